"""`python -m autograder new NAME --reference PATH`: the folders of a new assignment, made
from its reference solution, for the instructor to adjust.

It reads the reference's public functions (in their order) and the names of their
arguments without defaults, then finds inputs on which the reference runs: for each
argument, kinds of input tried in an order its name suggests (X: a batch of rows, W: a
weight matrix, b: a bias, y: labels or class indices, lr: a number, Z or p: what an
earlier function returned...), at named sizes m (batch), n (features) and k (outputs or
classes). What it finds is written as the contract's spec (grading/spec.py), with points
that total 100, so that the reference grades 100 and the starter 0 as they are.

Written (nothing that exists is overwritten):

    assignments/NAME/   contract.py (the spec), texts.py, mutants.py, tests/ (the standard
                        tests, made from the spec), submissions/ (the reference itself, which
                        must keep full marks, and the starter, which must lose every tag)
    reference/NAME/     the reference, copied
    starter/NAME/       the starter (each function raises NotImplementedError), handouts to fill
"""
from __future__ import annotations

import ast
import itertools
import pprint
import shutil
import warnings
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import torch

from ..assignment import FOLDER, REFERENCE, STARTER, load_reference
from ..grading import spec as spec_tests
from ..grading.spec import make_variables

SIZES = [{"m": 6, "n": 3, "k": 4}, {"m": 1, "n": 4, "k": 3}, {"m": 9, "n": 1, "k": 2}, {"m": 17, "n": 5, "k": 3}]
TRIES = 20000   # combinations of inputs tried for one function at most

# Kinds of input, by name.
SHAPES = {"rows": ("m", "n"), "weights": ("n", "k"), "column_weights": ("n", 1), "bias": ("k",), "one": (1,),
          "scores": ("m", "k"), "column": ("m", 1), "vector": ("m",), "features": ("n",)}
OTHERS = ["rows", "weights", "bias", "scores", "column", "vector", "column_weights", "one", "features"]
FIRST = [   # (words an argument's name starts with, the kinds to try first)
    (("x", "input", "data", "feature"), ["rows"]),
    (("w", "theta", "weight"), ["weights", "column_weights"]),
    (("b", "bias"), ["bias", "one"]),
    (("y", "t", "label", "target"), ["classes", "labels", "labels_vector"]),
    (("lr", "alpha", "eta", "step", "learning"), ["rate"]),
]


def _kind(name: str) -> dict[str, Any]:
    if name in SHAPES:
        return {"kind": "normal", "shape": SHAPES[name]}
    return {"classes": {"kind": "classes", "shape": ("m",), "classes": "k"},
            "labels": {"kind": "labels", "shape": ("m", 1)},
            "labels_vector": {"kind": "labels", "shape": ("m",)},
            "rate": {"kind": "constant", "value": 0.1}}[name]


def functions_of(source: str) -> list[tuple[str, list[str], ast.FunctionDef]]:
    """[(name, arguments without defaults, its node)] of the module's public functions."""
    out = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            args = [a.arg for a in node.args.posonlyargs + node.args.args]
            out.append((node.name, args[: len(args) - len(node.args.defaults)], node))
    return out


def _first(arg: str, chosen: list[tuple]) -> list[str]:
    """The kinds its name suggests: a lowercase w is a column of weights and an uppercase W
    a matrix; a bias is shaped like the weights' last dimension; labels are a column
    where the other inputs are columns, else class indices. chosen: the shapes of the
    inputs chosen so far."""
    first = next((kinds for words, kinds in FIRST if arg.lower().startswith(words)), [])
    if first == ["weights", "column_weights"] and arg[0].islower():
        return ["column_weights", "weights"]
    if first == ["bias", "one"] and SHAPES["column_weights"] in chosen:
        return ["one", "bias"]
    if first == ["classes", "labels", "labels_vector"] and SHAPES["column"] in chosen:
        return ["labels", "classes", "labels_vector"]
    return first


def _shapes(contract: Any, chosen: dict[str, Any]) -> list[tuple]:
    """The shapes (in named sizes) of these inputs, an earlier function's result included."""
    out = []
    for how in chosen.values():
        if how["kind"] == "reference":
            out += [s for s in contract.SPEC[how["fn"]]["returns"].values() if isinstance(s, tuple)]
        elif "shape" in how:
            out.append(tuple(how["shape"]))
    return out


def _candidates(arg: str, outputs: list[str], chosen: list[tuple]) -> list[dict[str, Any]]:
    """The kinds of input to try for an argument, the likeliest first."""
    first = _first(arg, chosen)
    earlier = [{"kind": "reference", "fn": fn} for fn in outputs]
    if first:
        return [_kind(k) for k in first] + earlier + [_kind(k) for k in OTHERS if k not in first]
    return earlier + [_kind(k) for k in OTHERS] + [_kind(k) for k in ("labels", "classes")]


def _works(value: Any) -> bool:
    if isinstance(value, torch.Tensor):
        return value.is_floating_point() and bool(torch.isfinite(value).all())
    return isinstance(value, dict) and bool(value) and all(
        isinstance(v, torch.Tensor) and bool(torch.isfinite(v).all()) for v in value.values())


def _runs(contract: Any, ref: ModuleType, fn: str, sizes: dict[str, int]) -> Any:
    """What the reference's fn returns on inputs made by the contract at these sizes, or None."""
    try:
        with warnings.catch_warnings():   # a wrong guess may warn before it fails: not for the instructor
            warnings.simplefilter("ignore")
            made = make_variables(contract, sizes, torch.Generator().manual_seed(0), torch.float64, ref)
            value = getattr(ref, fn)(*(made[a] for a in contract.SPEC[fn]["args"]))
    except Exception:
        return None
    return value if _works(value) else None


def _shape(value: torch.Tensor, sizes: dict[str, int]) -> tuple:
    by_size = {v: k for k, v in reversed(list(sizes.items()))}
    return tuple(d if d == 1 else by_size.get(d, d) for d in value.shape)


def infer(source: str, ref: ModuleType) -> SimpleNamespace:
    """The spec that runs the reference: SimpleNamespace(FUNCTIONS, SIZES, VARIABLES, SPEC)."""
    contract = SimpleNamespace(FUNCTIONS=(), VARIABLES={}, SPEC={})
    outputs: list[str] = []   # earlier functions that return one tensor
    probe = SIZES[0]
    for fn, args, _ in functions_of(source):
        new = [a for a in args if a not in contract.VARIABLES]
        contract.SPEC[fn] = {"args": tuple(args)}
        found = None
        choices = []
        for a in new:   # an argument's kinds may follow those chosen first for the ones before it
            inputs = {b: contract.VARIABLES[b] for b in args if b in contract.VARIABLES}
            inputs.update({b: c[0] for b, c in zip(new, choices)})
            choices.append(_candidates(a, outputs, _shapes(contract, inputs)))
        for combo in itertools.islice(itertools.product(*choices), TRIES):
            contract.VARIABLES.update(zip(new, combo))
            found = _runs(contract, ref, fn, probe)
            if found is not None:
                break
            for a in new:
                del contract.VARIABLES[a]
        if found is None:
            raise ValueError(f"{fn}{tuple(args)}: no inputs of the kinds tried make the reference run; "
                             "write its spec in contract.py by hand (autograder/grading/spec.py)")
        if isinstance(found, dict):
            contract.SPEC[fn]["returns"] = {k: _shape(v, probe) for k, v in found.items()}
            if len(found) == 1:   # else a single name means a tensor (grading/spec.py)
                contract.SPEC[fn]["dict"] = True
        else:
            contract.SPEC[fn]["returns"] = {"loss" if found.dim() == 0 else "out": _shape(found, probe)}
            outputs.append(fn)
        contract.FUNCTIONS += (fn,)
    contract.SIZES = [sizes for sizes in SIZES if all(_matches(contract, ref, fn, sizes) for fn in contract.FUNCTIONS)]
    if not contract.SIZES:   # tests without a case would pass anything
        raise ValueError("the inputs found run the reference at one size but not at others; write SIZES "
                         "and VARIABLES in contract.py by hand (autograder/grading/spec.py)")
    for fn in contract.FUNCTIONS:
        _declare_gradient(contract, ref, fn)
    used = {d for v in contract.VARIABLES.values() for d in v.get("shape", ()) if isinstance(d, str)} | {
        v["classes"] for v in contract.VARIABLES.values() if "classes" in v}
    contract.SIZES = [{k: v for k, v in sizes.items() if k in used} for sizes in contract.SIZES]
    _name_outputs(contract)
    return contract


def _matches(contract: Any, ref: ModuleType, fn: str, sizes: dict[str, int]) -> bool:
    """The reference runs at these sizes and returns the shapes the spec says."""
    value = _runs(contract, ref, fn, sizes)
    if value is None:
        return False
    got = value if isinstance(value, dict) else {next(iter(contract.SPEC[fn]["returns"])): value}
    want = contract.SPEC[fn]["returns"]
    return set(got) == set(want) and all(
        tuple(got[k].shape) == tuple(sizes[d] if isinstance(d, str) else d for d in want[k]) for k in want)


def _declare_gradient(contract: Any, ref: ModuleType, fn: str) -> None:
    """Where fn returns {"dW": ..., "db": ...} for inputs W and b, and an earlier function
    returns a 0-d loss of which they are the gradients (central differences agree, at the
    first size), declare it: the spec then has a numerical gradient check of fn."""
    returns = contract.SPEC[fn]["returns"]
    wrt = {r: r[1:] for r in returns if r.startswith("d") and contract.VARIABLES.get(r[1:], {}).get("kind") == "normal"}
    if not wrt or len(wrt) != len(returns):
        return
    for loss in contract.FUNCTIONS[: contract.FUNCTIONS.index(fn)]:
        if contract.SPEC[loss]["returns"] != {"loss": ()}:
            continue
        contract.SPEC[fn]["gradient"] = {"loss": loss, "wrt": wrt}
        test = spec_tests.gradcheck_test(SimpleNamespace(contract=contract), fn)
        try:
            test(SimpleNamespace(**{fn: getattr(ref, fn)}), ref, torch.Generator().manual_seed(0))
            return
        except Exception:   # not the gradients of this loss
            del contract.SPEC[fn]["gradient"]


def _name_outputs(contract: Any) -> None:
    """A function's one result takes the name of the argument it becomes later (Z, p...)."""
    for name, how in contract.VARIABLES.items():
        if how["kind"] == "reference":
            returns = contract.SPEC[how["fn"]]["returns"]
            if len(returns) == 1 and "out" in returns:
                returns[name] = returns.pop("out")


def points(functions: tuple[str, ...], gradients: tuple[str, ...] = ()) -> dict[str, dict[str, int]]:
    """100 points over the functions, each split over its standard tests (and the
    numerical gradient check of those in gradients)."""
    out = {}
    for i, fn in enumerate(functions):
        share = 100 // len(functions) + (1 if i < 100 % len(functions) else 0)
        types, float32, gpu = round(share * 0.2), round(share * 0.15), max(1, round(share * 0.1))
        out[fn] = {"types": types, "values": share - types - float32 - gpu, "float32": float32, "gpu": gpu}
        if fn in gradients:
            out[fn]["gradcheck"] = max(1, round(share * 0.15))
            out[fn]["values"] -= out[fn]["gradcheck"]
    return out


def _contract_text(name: str, file: str, contract: Any) -> str:
    score = points(contract.FUNCTIONS, tuple(fn for fn in contract.FUNCTIONS if "gradient" in contract.SPEC[fn]))
    spec = {fn: {**contract.SPEC[fn], "points": score[fn]} for fn in contract.FUNCTIONS}
    show = lambda value: pprint.pformat(value, width=100, sort_dicts=False)  # noqa: E731
    return f'''"""The contract of {name}: its functions, what they take and return, and the spec from which
the engine makes their standard tests (autograder/grading/spec.py). Written by
`python -m autograder new` from the reference's signatures: adjust the sizes, the kinds of
input, the names of the results and the points. Imports nothing."""

FILE = {file!r}
TITLE = {{"en": {name!r}, "zh": {name!r}}}
FUNCTIONS = {contract.FUNCTIONS!r}
TAGS = {show({fn: fn for fn in contract.FUNCTIONS})}   # results.json "tags"
# The arguments whose tensors a call must leave as they were (all of them).
INPUTS = {show({fn: contract.SPEC[fn]["args"] for fn in contract.FUNCTIONS})}

SIZES = {show(contract.SIZES)}
VARIABLES = {show(contract.VARIABLES)}
SPEC = {show(spec)}
'''


FILES = {
    "__init__.py": "",
    "texts.py": '''"""{name}'s own sentences, zh and en: the hints of its classic mistakes (hint_<id>, given by
reference/{name}/mistakes.py), and any of the engine's texts (autograder/common/messages.py)
worded its own way."""

# "rules": where the handout states its rules, which the engine's hints send a student back to.
FIELDS = {{"rules": {{"en": "the handout", "zh": "作业说明"}}}}
MESSAGES = {{}}
''',
    "mutants.py": '''"""What the mutation audit (autograder/tools/audit.py) needs to know of {name}: the names a
student may confuse, and the inputs on which a mutant is run beside the reference (the
spec's, grading/spec.py audit_cases; add edge cases here)."""
from autograder.grading.spec import audit_cases

from . import contract

CONFUSED = {{}}   # for example {{"W": ["b"]}}


def cases(ref, gen):
    return audit_cases(contract, ref, gen)
''',
    "tests/__init__.py": "",
    "tests/conftest.py": '''# The engine's fixtures (student, ref, mistakes, gen, gpu, ...).
pytest_plugins = ["autograder.grading.fixtures"]
''',
    "tests/test_standard.py": '''"""The standard tests of {name}'s functions, made from contract.py's SPEC. Tests of
its own go in other modules here, numbered after these (k.5 and on)."""
from autograder.grading.spec import generated_tests

globals().update(generated_tests())
''',
}


def starter_text(source: str) -> str:
    """The reference with every public function's body replaced by its docstring and a
    NotImplementedError; the imports and the module's docstring kept, nothing else."""
    tree = ast.parse(source)
    keep = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) or (
                isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and node is tree.body[0]):
            keep.append(node)
        elif isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            doc = ast.get_docstring(node)
            node.body = ([ast.Expr(ast.Constant(doc))] if doc else []) + [
                ast.Raise(ast.Call(ast.Name("NotImplementedError", ast.Load()), [ast.Constant("your code here")], []))]
            keep.append(node)
    return ast.unparse(ast.fix_missing_locations(ast.Module(keep, []))) + "\n"


def handout_text(name: str, lang: str, functions: list[tuple[str, list[str], ast.FunctionDef]], file: str) -> str:
    head = {"en": f"# {name}\n\nComplete the functions of `{file}`. (To fill: the task, the math, the rules.)\n",
            "zh": f"# {name}\n\n完成 `{file}` 中的函数。（待补充：任务、数学推导、规则。）\n"}[lang]
    return head + "".join(f"\n## `{fn}({', '.join(args)})`\n" for fn, args, _ in functions)


def create(name: str, reference: Path) -> list[Path]:
    """Write the assignment's folders; returns the files written. Raises ValueError (a
    name taken or not an identifier, a reference that no input makes run)."""
    if not name.isidentifier():
        raise ValueError(f"{name!r}: an assignment's name must be a Python identifier (it is a package)")
    folders = [FOLDER / name, REFERENCE / name, STARTER / name]
    taken = [str(f) for f in folders if f.exists()]
    if taken:
        raise ValueError(f"{', '.join(taken)} exists already: choose another name")
    source = reference.read_text(encoding="utf-8")
    contract = infer(source, load_reference(reference))
    file = reference.name
    starter = starter_text(source)
    tags = ", ".join(contract.FUNCTIONS)
    texts = {FOLDER / name / "contract.py": _contract_text(name, file, contract),
             **{FOLDER / name / f: t.format(name=name) for f, t in FILES.items()},
             FOLDER / name / "submissions" / "correct" / "reference.py":
                 f'"""The reference itself: it keeps full marks.\n\nbreaks: none\n"""\n{source}',
             FOLDER / name / "submissions" / "buggy" / "starter.py":
                 f'"""The starter as handed out: it loses every test.\n\nbreaks: {tags}\n"""\n{starter}',
             STARTER / name / file: starter,
             **{STARTER / name / f"HANDOUT.{lang}.md": handout_text(name, lang, functions_of(source), file)
                for lang in ("en", "zh")}}
    written = []
    for path, text in texts.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    (REFERENCE / name).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(reference, REFERENCE / name / file)
    written.append(REFERENCE / name / file)
    return written


def main(name: str, reference: Path) -> int:
    import sys

    try:
        written = create(name, reference)
    except (ValueError, OSError, SyntaxError) as exc:
        print(f"new: {exc}", file=sys.stderr)
        return 1
    root = FOLDER.parent
    for path in written:
        print(f"wrote {path.relative_to(root)}")
    print(f"\nNext: read assignments/{name}/contract.py (sizes, kinds of input, points), fill the handouts, "
          f"then:\n  .venv/bin/python -m autograder grade --assignment {name} reference/{name}/{reference.name} "
          f"--out /tmp/{name}.json\n  make check")
    return 0

