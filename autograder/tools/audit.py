"""`python -m autograder audit`: can the grading tests tell a wrong solution from a right one?

Mutation analysis. Each mutant is the assignment's reference with one small change in one
of its functions (an arithmetic or comparison operator, a constant or a default, an axis or
keepdim, a transpose, a dropped term or call, a swapped name, an in-place variant, a
device mistake), and the numerics of common courses: a row's max made the row's mean or
the max of everything (or dropped, as a dropped term), logsumexp written as log(sum(exp))
or over the other dim, softmax and log_softmax swapped or over the other dim, keepdim
toggled, a dim given by position or by keyword, -1 and 0 swapped. An assignment adds its
own in its mutants.py: OPERATORS, a list of functions op(node) -> iterable of (kind, make),
kind "value" or "device", make a function of a copy of node (an ast node of the reference)
that returns its replacement; they are tried on every node after the engine's. Which
mutants are equivalent to the reference is decided here, in-process and independently of
the grading tests: the mutated function and the reference's are run on many random inputs
with the edges (batch 1, exact zeros, predictions of exactly 0 and 1, both dtypes, every
pos_weight and pos_weight left out, several learning rates) and compared within the
grader's tolerance; raising, or changing an input that must stay, makes a mutant wrong.
Every mutant is then graded by the batch engine (batch.grade_all). A wrong mutant that
keeps full marks in its function's tests is a survivor (a hole in the tests); an equivalent
one that loses any point is a false fail (a test that punishes a right answer).
Run it after changing any grading test; it exits with 1 when it finds either. It warns of
a function of which no device mutant could be made, or fewer than FEW_MUTANTS mutants: the
audit says little of its tests.
`--sample N` grades a fixed spread of about N of them instead (see sample), and `--mutant ID`
the named ones: for the project's tests, which must run in about a minute; the full audit
(bench/audit.py) grades them all.
"""
import ast
import copy
import json
import os
import sys
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")   # before torch: the batch engine forks its jobs from here
import torch  # noqa: E402

from ..assignment import ROOT, current
from ..common import checks, devices

OPS = [ast.Add, ast.Sub, ast.Mult, ast.Div]
COMPARE = {ast.Gt: [ast.GtE, ast.Lt], ast.GtE: [ast.Gt], ast.Lt: [ast.LtE, ast.Gt], ast.LtE: [ast.Lt]}
METHODS = {"mean": ["sum"], "sum": ["mean"], "clamp": ["clamp_"], "log1p": ["log"], "log": ["log1p"],
           "softmax": ["log_softmax"], "log_softmax": ["softmax"]}
DROPPABLE = {"sigmoid", "clamp", "log", "log1p", "mean", "sum", "to"}
# The calls whose dim may be given by position: x.f(dim) or torch.f(x, dim).
DIM_CALLS = {"sum", "mean", "max", "amax", "min", "amin", "logsumexp", "softmax", "log_softmax", "prod",
             "cumsum", "argmax", "argmin"}
KEEPDIM_CALLS = {"sum", "mean", "max", "amax", "logsumexp"}
OTHER_DIM = {0: 1, 1: 0, -1: 0, -2: -1}   # the other axis of a 2-D tensor
MODULES = {"torch", "torch.nn.functional", "nn.functional", "F"}   # torch.f(x, ...), not x.f(...)
FEW_MUTANTS = 5   # a function with fewer is warned of: the audit says little of its tests


# -- mutants -----------------------------------------------------------------------
def _mutants_part():
    """The current assignment's mutants.py: CONFUSED, cases and, if it has them, OPERATORS."""
    return current().part("mutants")


def _torch(name, *args):
    return ast.Call(ast.Attribute(ast.Name("torch", ast.Load()), name, ast.Load()), list(args), [])


def _device_alternatives(node):
    """Device mistakes, which change nothing on a CPU: a tensor read from an input, or the
    left operand of an operation, sent to the CPU (.cpu()), a constant made a tensor without
    device= (torch.full((1,), c)), and a NumPy round trip (torch.from_numpy(x.numpy()))."""
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and not (
            isinstance(node.value, ast.Attribute) and node.value.attr == "shape"):
        yield lambda n: ast.Call(ast.Attribute(n, "cpu", ast.Load()), [], [])
    if isinstance(node, ast.BinOp) and isinstance(node.left, ast.Name):   # a local tensor sent to the CPU
        yield lambda n: ast.BinOp(ast.Call(ast.Attribute(n.left, "cpu", ast.Load()), [], []), n.op, n.right)
    if isinstance(node, ast.BinOp):
        for side in ("left", "right"):
            value = getattr(node, side)
            if isinstance(value, ast.Constant) and type(value.value) in (int, float):
                full = _torch("full", ast.Tuple([ast.Constant(1)], ast.Load()), ast.Constant(float(value.value)))
                yield lambda n, side=side, full=full: ast.BinOp(full if side == "left" else n.left, n.op,
                                                               full if side == "right" else n.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in DROPPABLE \
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "torch":
        yield lambda n: _torch("from_numpy", ast.Call(ast.Attribute(n, "numpy", ast.Load()), [], []))


def _alternatives(node, confused, operators=()):
    """Ways to change node: (kind, function of a copy of it that returns its replacement),
    kind "device" (a device mistake, _device_alternatives) or "value"; then those of
    operators (an assignment's own: mutants.py OPERATORS)."""
    for make in _device_alternatives(node):
        yield "device", make
    for values in (_value_alternatives(node, confused), _max_alternatives(node), _logsumexp_alternatives(node)):
        for make in values:
            yield "value", make
    for op in operators:
        yield from op(node)


def _value_alternatives(node, confused):
    """Changes of what node computes: operators, comparisons, constants, names (confused:
    each with its partners), calls, axes and keepdim."""
    if isinstance(node, ast.BinOp):
        for op in OPS:
            if not isinstance(node.op, op):
                yield lambda n, op=op: ast.BinOp(n.left, op(), n.right)
        if isinstance(node.op, ast.MatMult):
            yield lambda n: ast.BinOp(n.left, ast.Mult(), n.right)
        yield lambda n: n.left        # a dropped term or factor (x - x.max(...) -> x: a dropped max too)
        yield lambda n: n.right
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        yield lambda n: n.operand
    elif isinstance(node, ast.Compare) and len(node.ops) == 1:
        for op in COMPARE.get(type(node.ops[0]), []):
            yield lambda n, op=op: ast.Compare(n.left, [op()], n.comparators)
    elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        v = node.value
        for w in dict.fromkeys([0, 1, -v, v + 1, 2 * v, 3, -1]):
            if w != v:
                yield lambda n, w=w: ast.Constant(type(v)(w))
    elif isinstance(node, ast.Constant) and node.value in confused:
        for w in confused[node.value]:
            yield lambda n, w=w: ast.Constant(w)
    elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in confused:
        for w in confused[node.id]:
            yield lambda n, w=w: ast.Name(w, ast.Load())
    elif isinstance(node, ast.Attribute) and node.attr == "T":
        yield lambda n: n.value       # a transpose dropped
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        name = node.func.attr
        for other in METHODS.get(name, []):
            yield lambda n, other=other: ast.Call(ast.Attribute(n.func.value, other, ast.Load()), n.args, n.keywords)
        if name in DROPPABLE:
            receiver = node.func.value
            if isinstance(receiver, ast.Name) and receiver.id == "torch":
                if node.args:
                    yield lambda n: n.args[0]   # torch.f(x) -> x
            else:
                yield lambda n: n.func.value    # x.f(...) -> x
        dim = _dim(node)
        if _int(dim) in OTHER_DIM:
            yield lambda n: _with_dim(n, ast.Constant(OTHER_DIM[_int(dim)]))   # over the other axis
        keepdim = next((kw.value for kw in node.keywords if kw.arg == "keepdim"), None)
        if isinstance(keepdim, ast.Constant) and name in KEEPDIM_CALLS:
            yield lambda n: _with_keyword(n, "keepdim", ast.Constant(not keepdim.value))
        elif keepdim is None and (name in ("sum", "mean") or name in KEEPDIM_CALLS and dim is not None):
            yield lambda n: _with_keyword(n, "keepdim", ast.Constant(True))


# -- the numerics of common courses: max, logsumexp, softmax, dims --------------------
def _on_module(call):
    """True for torch.f(x, ...) (or torch.nn.functional's, F's), False for x.f(...)."""
    return ast.unparse(call.func.value) in MODULES


def _tensor(call):
    """The tensor call works on: x of x.f(...) and of torch.f(x, ...)."""
    return call.args[0] if _on_module(call) else call.func.value


def _int(node):
    """The int that node is (a constant such as 1, or a negated one such as -1), or None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _int(node.operand)
        return None if value is None else -value
    return node.value if isinstance(node, ast.Constant) and type(node.value) is int else None


def _dim(call):
    """call's dim argument (an ast node), by keyword or by position, or None."""
    found = next((kw.value for kw in call.keywords if kw.arg == "dim"), None)
    at = 1 if _on_module(call) else 0
    if found is None and call.func.attr in DIM_CALLS and len(call.args) > at:
        found = call.args[at]
    return found


def _with_dim(call, dim):
    """A copy of call with another dim, where it was given (by keyword or by position)."""
    if any(kw.arg == "dim" for kw in call.keywords):
        return _with_keyword(call, "dim", dim)
    at = 1 if _on_module(call) else 0
    return ast.Call(call.func, call.args[:at] + [dim] + call.args[at + 1:], call.keywords)


def _with_keyword(call, name, value):
    """A copy of call with the keyword name=value, in its place or added."""
    keywords = [ast.keyword(name, value) if kw.arg == name else kw for kw in call.keywords]
    if not any(kw.arg == name for kw in call.keywords):
        keywords.append(ast.keyword(name, value))
    return ast.Call(call.func, call.args, keywords)


def _max_over_dim(node):
    """The call of a max over one dim that node is, or None: x.max(dim=1, ...).values,
    x.max(1)[0], torch.max(x, dim=1)..., x.amax(dim=1), torch.amax(x, 1, keepdim=True)."""
    call = node
    if isinstance(node, ast.Attribute) and node.attr == "values" or \
            isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value == 0:
        call = node.value
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "max"):
            return None
    elif not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "amax"):
        return None
    if _dim(call) is None or _on_module(call) and not call.args:
        return None
    return call


def _max_alternatives(node):
    """A row's max made the row's mean (x.mean(dim=d, keepdim=k)), or the max of everything
    (x.max(), torch.amax(x)); and x -= that max dropped (x - max -> x is a dropped term)."""
    if _max_over_dim(node) is not None:
        def mean(n):
            call = _max_over_dim(n)
            keepdim = [kw for kw in call.keywords if kw.arg == "keepdim"]
            return ast.Call(ast.Attribute(_tensor(call), "mean", ast.Load()), [],
                            [ast.keyword("dim", _dim(call))] + keepdim)

        def everything(n):
            call = _max_over_dim(n)
            return ast.Call(call.func, call.args[:1] if _on_module(call) else [], [])

        yield mean
        yield everything
    if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Sub) and _max_over_dim(node.value) is not None:
        yield lambda n: ast.Pass()


def _logsumexp_alternatives(node):
    """torch.logsumexp(x, dim=d, keepdim=k) (or x.logsumexp(d, ...)) written as
    torch.log(torch.exp(x).sum(dim=d, keepdim=k)), which overflows where x is large (its
    dim swapped: _value_alternatives)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "logsumexp" \
            and _dim(node) is not None and (node.args or not _on_module(node)):
        def by_hand(n):
            keepdim = [kw for kw in n.keywords if kw.arg == "keepdim"]
            total = ast.Call(ast.Attribute(_torch("exp", _tensor(n)), "sum", ast.Load()), [],
                             [ast.keyword("dim", _dim(n))] + keepdim)
            return _torch("log", total)

        yield by_hand


def _replace(root, old, new):
    for parent in ast.walk(root):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return
            if isinstance(value, list) and any(v is old for v in value):
                value[[i for i, v in enumerate(value) if v is old][0]] = new
                return


def make_mutants(source: str, functions: Collection[str] | None = None,
                 confused: dict[Any, list[Any]] | None = None,
                 operators: Collection[Any] | None = None) -> list[dict[str, Any]]:
    """[{"id", "fn", "kind", "line", "before", "after", "source"}] for every first-order
    mutant of functions (names; default: the current assignment's) in source (a module's
    text); kind "device" or "value" (_alternatives). confused: the names a student may
    confuse, each with its partners, and operators: extra operators (op(node) -> iterable
    of (kind, make)); both default to the current assignment's (mutants.py: CONFUSED,
    OPERATORS)."""
    if functions is None:
        functions = current().tags
    if confused is None:
        confused = _mutants_part().CONFUSED
    if operators is None:
        operators = getattr(_mutants_part(), "OPERATORS", ())
    tree = ast.parse(source)
    lines = source.splitlines()
    out, seen = [], set()
    for fi, func in enumerate(tree.body):
        if not (isinstance(func, ast.FunctionDef) and func.name in functions):
            continue
        for ni, node in enumerate(ast.walk(func)):
            for kind, make in _alternatives(node, confused, operators):
                mutant = copy.deepcopy(tree)
                target = list(ast.walk(mutant.body[fi]))[ni]
                _replace(mutant.body[fi], target, make(target))
                try:
                    text = ast.unparse(ast.fix_missing_locations(mutant))
                    compile(text, "mutant", "exec")
                except (SyntaxError, ValueError, TypeError):
                    continue
                if text in seen:
                    continue
                seen.add(text)
                line = getattr(node, "lineno", func.lineno)
                after = ast.unparse(mutant.body[fi]).splitlines()
                before = ast.unparse(tree.body[fi]).splitlines()
                changed = next((a for b, a in zip(before, after) if a != b), after[-1])
                out.append({"id": f"m{len(out):03d}", "fn": func.name, "kind": kind, "line": line,
                            "before": lines[line - 1].split("#")[0].strip(), "after": changed.strip(), "source": text})
    return out


def load_source(text: str, name: str = "mutant") -> dict[str, Any]:
    namespace = {"__name__": name}
    exec(compile(text, name, "exec"), namespace)
    return namespace


# -- equivalence, decided without the grading tests ---------------------------------
def _cases(gen):
    """The reference (its namespace) and the assignment's inputs for each function, with
    the edges: [(fn, args, kwargs)] (its mutants.py: cases)."""
    ref = load_source(current().reference.read_text(), "reference")
    return ref, current().part("mutants").cases(ref, gen)


def _copy(value):
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_copy(v) for v in value)
    return value


def _agrees(got, want):
    if isinstance(want, torch.Tensor):
        return type(got) is torch.Tensor and got.dtype == want.dtype and checks.same(got, want)
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and _agrees(got[k], v) for k, v in want.items())
    if isinstance(want, (tuple, list)):
        return isinstance(got, (tuple, list)) and len(got) == len(want) and all(map(_agrees, got, want))
    return False


def _unchanged(given, kept):
    if isinstance(kept, torch.Tensor):
        return given.dtype == kept.dtype and given.shape == kept.shape and torch.equal(given, kept)
    if isinstance(kept, dict):
        return all(_unchanged(given[k], v) for k, v in kept.items())
    if isinstance(kept, (tuple, list)):
        return all(map(_unchanged, given, kept))
    return True


def equivalent(mutant: dict[str, Any], ref: dict[str, Any],
               cases: list[tuple[str, tuple[object, ...], dict[str, float]]]) -> bool:
    """True when the mutated function gives the reference's results on every case, without
    raising and without changing an input it must leave alone, and keeps to the device of
    its inputs on a virtual GPU (common/devices.py)."""
    try:
        fn = load_source(mutant["source"])[mutant["fn"]]
    except Exception:
        return False
    first = next(case for case in cases if case[0] == mutant["fn"])
    if devices.verdict(devices.check(fn, *first[1:], real_gpu=False))[0] == "wrong":
        return False   # a device mistake: the same values on the CPU, not on a GPU
    for name, args, kwargs in cases:
        if name != mutant["fn"]:
            continue
        want = ref[name](*args, **kwargs)
        given = _copy(args)
        try:
            got = fn(*given, **kwargs)
        except Exception:
            return False
        if name in current().contract.INPUTS and not _unchanged(given, args):   # exactly, as the worker does
            return False
        if not _agrees(got, want):
            return False
    return True


# -- a fixed sample ------------------------------------------------------------------
def _spread(items: list[Any], k: int) -> list[Any]:
    """k of items, evenly spaced in their order (the middle of each of k equal parts)."""
    if k >= len(items):
        return list(items)
    return [items[(2 * i + 1) * len(items) // (2 * k)] for i in range(k)]


def sample(mutants: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """A deterministic spread of about n of mutants (each with its "equivalent" decided):
    every function gets its share of n in proportion to its mutants, and at least two; of
    that share, up to half are its equivalent mutants (which must keep their points) and the
    rest its wrong ones (which must lose them), each evenly spaced in source order, so that
    every kind of change in every part of the function is represented. The same mutants for
    the same reference and n, on every run."""
    chosen = []
    functions = dict.fromkeys(m["fn"] for m in mutants)
    for fn in functions:
        group = [m for m in mutants if m["fn"] == fn]
        share = max(2, round(n * len(group) / len(mutants)))
        same = [m for m in group if m["equivalent"]]
        wrong = [m for m in group if not m["equivalent"]]
        take = _spread(same, min(len(same), share // 2))
        chosen += take + _spread(wrong, max(1, share - len(take)))
    return sorted(chosen, key=lambda m: m["id"])


# -- grading and the report ----------------------------------------------------------
def _reference_name():
    return str(current().reference.relative_to(ROOT))


def _tag_full(data, tag):
    tests = [t for t in data["tests"] if tag in t.get("tags", [])]
    return bool(tests) and all(t["score"] >= t["max_score"] for t in tests)


def few_mutants(mutants: list[dict[str, Any]], functions: Collection[str]) -> dict[str, int]:
    """{fn: how many mutants of it there are} for each of functions with fewer than
    FEW_MUTANTS (none at all included): the audit says little of their tests."""
    made = {fn: sum(m["fn"] == fn for m in mutants) for fn in functions}
    return {fn: n for fn, n in made.items() if n < FEW_MUTANTS}


def audit(jobs: int = 2, seed: int = 1, functions: Collection[str] | None = None,
          out: Path | str | None = None, sample_size: int | None = None,
          ids: Collection[str] = ()) -> dict[str, Any]:
    """Run the audit; returns the report as a dict (see report_text). With sample_size, only
    sample(mutants, sample_size) is graded; with ids, only those mutants (both: the union)."""
    from ..classroom.batch import grade_all

    # One thread, so that no thread of torch's holds a lock when grade_all forks its jobs
    # (they would wait on it forever): the equivalence cases run here, before the fork.
    torch.set_num_threads(1)
    every = make_mutants(current().reference.read_text())
    unknown = sorted(set(ids) - {m["id"] for m in every})
    if unknown:
        raise ValueError(f"no mutant {', '.join(unknown)} (there are m000 to m{len(every) - 1:03d})")
    functions = functions or current().functions
    mutants = [m for m in every if m["fn"] in functions]
    print(f"{len(mutants)} mutants of {_reference_name()}; deciding which are equivalent to it", file=sys.stderr)
    ref, cases = _cases(torch.Generator().manual_seed(seed))
    for m in mutants:
        m["equivalent"] = equivalent(m, ref, cases)
    total = len(mutants)
    if sample_size is not None or ids:
        picked = {m["id"] for m in sample(mutants, sample_size)} if sample_size is not None else set()
        mutants = [m for m in mutants if m["id"] in picked or m["id"] in ids]
        print(f"grading {len(mutants)} of them (a fixed sample)", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="audit-") as tmp:
        folder = Path(tmp) / "mutants"
        folder.mkdir()
        for m in mutants:
            (folder / f'{m["id"]}.py').write_text(m["source"])
        Path(tmp).chmod(0o755)
        folder.chmod(0o755)
        for path in folder.iterdir():
            path.chmod(0o644)
        _, results = grade_all(folder, Path(tmp) / "out", jobs=jobs, seed=seed, force=True)
    report = {"functions": {}, "survivors": [], "false_fails": [], "graded": len(mutants), "of": total,
              "without_device_mutants": sorted(set(functions) - {m["fn"] for m in every if m["kind"] == "device"}),
              "few_mutants": few_mutants(every, functions)}
    for m in mutants:
        data = results[m["id"]]
        m["score"] = data["score"]
        m["lost"] = [t.get("number", t["name"]) for t in data["tests"] if t["score"] < t["max_score"]]
        m["killed"] = not _tag_full(data, current().tags[m["fn"]])
        row = report["functions"].setdefault(m["fn"], {"mutants": 0, "equivalent": 0, "wrong": 0, "killed": 0})
        row["mutants"] += 1
        if m["equivalent"]:
            row["equivalent"] += 1
            if data["score"] < sum(t["max_score"] for t in data["tests"]):
                report["false_fails"].append(m)
        else:
            row["wrong"] += 1
            row["killed"] += m["killed"]
            if not m["killed"]:
                report["survivors"].append(m)
    for row in report["functions"].values():
        row["score"] = row["killed"] / row["wrong"] if row["wrong"] else 1.0
    if out:
        Path(out).write_text(json.dumps({**report, "mutants": [{k: v for k, v in m.items() if k != "source"}
                                                                for m in mutants]}, indent=1))
    return report


def report_text(report: dict[str, Any]) -> str:
    sampled = f' (a fixed sample: {report["graded"]} of {report["of"]})' if report.get("graded", 0) < \
        report.get("of", 0) else ""
    lines = [f"Mutation analysis of the grading tests (mutants of {_reference_name()}){sampled}",
             f'{"function":<10} {"mutants":>7} {"equivalent":>10} {"wrong":>6} {"killed":>6} {"score":>6}']
    for fn, row in report["functions"].items():
        lines.append(f'{fn:<10} {row["mutants"]:>7} {row["equivalent"]:>10} {row["wrong"]:>6} '
                     f'{row["killed"]:>6} {row["score"]:>6.1%}')
    if report.get("without_device_mutants"):   # their device tests are not audited at all
        lines.append("Warning: no device mutant could be made of " + ", ".join(report["without_device_mutants"])
                     + ": the audit says nothing of their device tests")
    if report.get("few_mutants"):   # a function of a line or two: its tests are barely audited
        lines.append(f"Warning: fewer than {FEW_MUTANTS} mutants could be made of " + ", ".join(
            f"{fn} ({n})" for fn, n in report["few_mutants"].items()) + ": the audit says little of their tests")
    for title, key in (("Survivors: wrong mutants that kept full marks in their function", "survivors"),
                       ("False fails: equivalent mutants that lost points", "false_fails")):
        lines.append(f"{title}: {len(report[key])}")
        for m in report[key]:
            lines.append(f'  {m["id"]} {m["fn"]} line {m["line"]}: {m["before"]}  ->  {m["after"]}  '
                         f'(score {m["score"]:g})')
    return "\n".join(lines)


def main(jobs: int, seed: int, functions: Collection[str], out: Path | str | None,
         sample_size: int | None = None, ids: Collection[str] = ()) -> int:
    try:
        report = audit(jobs=jobs, seed=seed, functions=functions, out=out, sample_size=sample_size, ids=ids)
    except ValueError as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return 2
    print(report_text(report))
    return 1 if report["survivors"] or report["false_fails"] else 0


if __name__ == "__main__":
    sys.exit(main(2, 1, None, None))
