"""The standard grading tests of an assignment, made from the declarative spec in its
contract.py, for every function it names there:

    k.1  types     what it returns is of the right kind, shape, dtype and device, at every size and dtype
    k.2  values    it equals the reference's result (float64; and float32 unless k.3 exists)
    k.3  float32   it equals the reference's result in float32
    k.4  gpu       it runs on a GPU (real or virtual), keeping its results on the inputs' device
    k.5  gradcheck its results equal central differences of the reference's loss (where declared)

and 0.1, that the submitted file imports and defines its functions (0 points). The
checks are the engine's (common/checks.py); the words are the engine's texts (messages.py:
spec_*), which an assignment may override. An assignment's hand-written tests live beside
these, in its tests/ folder, numbered after them (k.5 and on).

The spec (contract.py; plain data, as the contract imports nothing):

    SIZES = [{"m": 6, "n": 3}, {"m": 1, "n": 4}, ...]   # one case per entry, by name
    VARIABLES = {                                       # the inputs, made in this order
        "X": {"kind": "normal", "shape": ("m", "n")},
        "y": {"kind": "labels", "shape": ("m", 1)},     # 0.0 and 1.0, both where m > 1
        "c": {"kind": "classes", "shape": ("m",), "classes": "k"},   # int64 in [0, k)
        "p": {"kind": "reference", "fn": "predict"},     # the reference's predict(*its INPUTS)
    }
    SPEC = {"predict": {
        "args": ("X", "w", "b"),                         # by position
        "returns": {"p": ("m", 1)},                      # one tensor: its name and shape
        # or a dict of several: {"dw": "w", "db": ("n", 1)} (shaped like a variable, or so);
        # a dict of one entry says "dict": True
        "points": {"types": 5, "values": 15, "float32": 5, "gpu": 3},
        "transposed": "hint id",                         # optional: a result of the transposed shape
        "atol": 1e-5,                                    # optional: looser than the engine's tolerance
    }}

A function whose results are gradients may declare what they are the gradients of, for
the numerical gradient check (points["gradcheck"]): {"gradient": {"loss": "cost",
"wrt": {"dW": "W", "db": "b"}}}: its result dW is the gradient of the reference's cost
(on its own arguments, those made by the reference recomputed) with respect to W.

"normal" takes an optional "scale"; "uniform" is in (0, 1); "constant" is a number,
{"kind": "constant", "value": 0.1} (a learning rate, say). Where "float32" has no
points, the values test compares both dtypes. The classic mistakes of a function, for
hints, are reference/NAME/mistakes.py's function of the same name, given (ref, sizes,
*args) and returning [(hint id, what the mistake returns)], when that file defines it.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import torch
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from ..assignment import Assignment, current
from ..common import checks
from ..common.messages import MESSAGES, say

CHECKS = ("types", "values", "float32", "gpu", "gradcheck")
# The numerical gradient check: central differences with this step, in float64, on the
# first two sizes; each entry within this absolute tolerance (the design card's 1e-5).
GRADCHECK_EPS, GRADCHECK_TOL = 1e-5, 1e-5


def make_variables(contract: Any, sizes: Mapping[str, int], gen: torch.Generator, dtype: torch.dtype,
                   ref: Any) -> dict[str, Any]:
    """One case's inputs, by name, at these sizes and in this dtype."""
    made: dict[str, Any] = {}
    for name, how in contract.VARIABLES.items():
        kind = how["kind"]
        shape = tuple(sizes[d] if isinstance(d, str) else d for d in how.get("shape", ()))
        if kind == "normal":
            made[name] = torch.randn(shape, generator=gen, dtype=dtype) * how.get("scale", 1.0)
        elif kind == "uniform":
            made[name] = torch.rand(shape, generator=gen, dtype=dtype).clamp(0.01, 0.99)
        elif kind == "labels":
            labels = (torch.rand(shape, generator=gen) < 0.5).to(dtype)
            if shape and shape[0] > 1:
                labels[0], labels[1] = 1, 0
            made[name] = labels
        elif kind == "classes":
            count = sizes[how["classes"]]
            made[name] = torch.randint(count, shape, generator=gen)
            if shape and shape[0] >= count:   # every class present
                made[name][:count] = torch.arange(count)
        elif kind == "constant":
            made[name] = how["value"]
        elif kind == "reference":
            fn = how["fn"]
            made[name] = getattr(ref, fn)(*(made[a] for a in contract.SPEC[fn]["args"]))
        else:
            raise ValueError(f"VARIABLES[{name!r}]: no kind {kind!r}")
    return made


def case_text(sizes: Mapping[str, int]) -> str:
    """The case, as the assignment words it (its text "case", given the sizes), else by name."""
    if "case" in MESSAGES:
        try:
            return say("case", **sizes)
        except KeyError:   # its text names sizes this spec does not have
            pass
    return " [" + ", ".join(f"{k} {v}" for k, v in sizes.items()) + "]"


class Function:
    """One function of the spec, with the checks of what it returns."""

    def __init__(self, task: Assignment, fn: str) -> None:
        self.task, self.fn = task, fn
        self.spec = task.contract.SPEC[fn]
        self.returns = self.spec["returns"]
        # one tensor, or a dict of them: several names, a name shaped like a variable, or "dict": True
        self.is_dict = self.spec.get("dict", len(self.returns) > 1 or any(isinstance(v, str)
                                                                            for v in self.returns.values()))

    def names(self) -> list[str]:
        return list(self.returns)

    def _shape(self, name: str, variables: Mapping[str, Any], sizes: Mapping[str, int]) -> tuple[int, ...]:
        want = self.returns[name]
        if isinstance(want, str):
            return tuple(variables[want].shape)
        return tuple(sizes[d] if isinstance(d, str) else d for d in want)

    def _shape_hint(self, name: str, got: tuple, want: tuple) -> str | None:
        hint = self.spec.get("transposed")
        return hint if hint and len(want) == 2 and want[0] != want[1] and got == tuple(reversed(want)) else None

    def check(self, value: object, variables: Mapping[str, Any], sizes: Mapping[str, int]) -> dict[str, Any]:
        """value's tensors by name, each of its shape and of the inputs' dtype and device."""
        like = next(v for v in variables.values() if isinstance(v, torch.Tensor) and v.is_floating_point())
        if self.is_dict:
            checks.expect_dict(self.fn, value, self.names())
            got = value
        else:
            got = {self.names()[0]: value}
        for name in self.names():
            checks.expect_tensor(name, got[name], self._shape(name, variables, sizes), like,
                                 shape_hint=self._shape_hint)
        return got

    def want(self, ref: Any, args: Sequence[Any]) -> dict[str, Any]:
        value = getattr(ref, self.fn)(*args)
        return value if self.is_dict else {self.names()[0]: value}


def _cases(task: Assignment, gen: torch.Generator, dtypes: Sequence[torch.dtype], ref: Any):
    for dtype in dtypes:
        for sizes in task.contract.SIZES:
            variables = make_variables(task.contract, sizes, gen, dtype, ref)
            yield sizes, variables


def _types_test(task, fn):
    f = Function(task, fn)

    def test(student, ref, gen):
        for sizes, variables in _cases(task, gen, checks.DTYPES, ref):
            f.check(getattr(student, fn)(*(variables[a] for a in f.spec["args"])), variables, sizes)
    return test


def _values_test(task, fn, dtypes):
    f = Function(task, fn)

    def test(student, ref, mistakes, gen):
        for sizes, variables in _cases(task, gen, dtypes, ref):
            args = [variables[a] for a in f.spec["args"]]
            got = f.check(getattr(student, fn)(*args), variables, sizes)
            want = f.want(ref, args)
            wrong = [(hint, out if f.is_dict else {f.names()[0]: out})
                     for hint, out in getattr(mistakes, fn)(ref, dict(sizes), *args)]
            with checks.hinted(got, want, wrong, **sizes):
                for name in f.names():
                    checks.expect_close(name, got[name], want[name], case_text(sizes), atol=f.spec.get("atol"))
    return test


def _gpu_test(task, fn):
    f = Function(task, fn)

    def test(student, ref, gen, gpu, record_property):
        sizes, variables = next(_cases(task, gen, checks.DTYPES[:1], ref))
        args = [variables[a] for a in f.spec["args"]]
        f.check(getattr(student, fn)(*args), variables, sizes)   # first on the CPU
        record_property("message", checks.expect_on_gpu(student.on_gpu(gpu, fn, *args), fn, f.names()))
    return test


def remake(contract: Any, values: Mapping[str, Any], ref: Any) -> dict[str, Any]:
    """values with every input the reference makes ("reference" kind) made again from them."""
    out = dict(values)
    for name, how in contract.VARIABLES.items():
        if how["kind"] == "reference":
            out[name] = getattr(ref, how["fn"])(*(out[a] for a in contract.SPEC[how["fn"]]["args"]))
    return out


def gradcheck_test(task: Any, fn: str) -> Callable:
    f = Function(task, fn)
    loss, wrt = f.spec["gradient"]["loss"], f.spec["gradient"]["wrt"]
    loss_args = task.contract.SPEC[loss]["args"]

    def test(student, ref, gen):
        for sizes, variables in itertools.islice(_cases(task, gen, checks.DTYPES[:1], ref), 2):
            got = f.check(getattr(student, fn)(*(variables[a] for a in f.spec["args"])), variables, sizes)

            def loss_of(params):
                made = remake(task.contract, {**variables, **params}, ref)
                return getattr(ref, loss)(*(made[a] for a in loss_args))

            numeric = checks.numerical_gradient(loss_of, {v: variables[v].clone() for v in wrt.values()},
                                                GRADCHECK_EPS)
            for name, of in wrt.items():
                checks.expect_close(name, got[name], numeric["d" + of], case_text(sizes), atol=GRADCHECK_TOL)
    return test


def _imports_test(task):
    def test(runner, record_property):
        missing = runner.missing_functions()
        if missing:
            raise checks.Mismatch(say("missing_functions", names=", ".join(missing)))
        record_property("message", say("spec_imported", file=task.file, names=", ".join(task.functions)))
    return test


def _named(test: Callable, name: str, title: str, fields: Mapping[str, str], numbered: str, points: int,
           tag: str) -> Callable:
    """test with its name, its title in both languages (the docstring results.py reads), its
    number, points and tag."""
    test.__name__ = name
    test.__doc__ = f"{say(title, 'en', **fields)}\nzh: {say(title, 'zh', **fields)}\n"
    return weight(points)(number(numbered)(tags(tag)(test)))


def generated_tests(task: Assignment | None = None) -> dict[str, Callable]:
    """{test name: test function} for the spec of task (default: the current assignment):
    what a module of its tests/ puts in its globals for pytest to collect."""
    task = task or current()
    if not task.contract.SIZES:
        raise ValueError(f"{task.name}: contract.py's SIZES is empty: its tests would check no case")
    fields = {"file": task.file, "names": ", ".join(task.functions)}
    out = {"test_imports": _named(_imports_test(task), "test_imports", "spec_test_imports", fields, "0.1", 0,
                                  "submission")}
    for k, fn in enumerate(task.functions, 1):
        spec = task.contract.SPEC[fn]
        points, separate = spec["points"], "float32" in spec["points"]
        made = [("types", _types_test(task, fn)),
                ("values", _values_test(task, fn, checks.DTYPES[:1] if separate else checks.DTYPES)),
                ("float32", _values_test(task, fn, checks.DTYPES[1:]) if separate else None),
                ("gpu", _gpu_test(task, fn)),
                ("gradcheck", gradcheck_test(task, fn) if "gradient" in spec else None)]
        fields = {"fn": fn, "names": ", ".join(spec["returns"]), "loss": spec.get("gradient", {}).get("loss", "")}
        i = 0
        for check, test in made:
            if test is None or not points.get(check):
                continue
            i += 1
            title = "spec_test_values_both" if check == "values" and not separate else f"spec_test_{check}"
            out[f"test_{fn}_{check}"] = _named(test, f"test_{fn}_{check}", title, fields, f"{k}.{i}",
                                               points[check], task.tags[fn])
    return out


def audit_cases(contract: Any, ref: Mapping[str, Any], gen: torch.Generator, repeats: int = 3,
                extra_sizes: Sequence[Mapping[str, int]] = ()) -> list[tuple[str, tuple, dict[str, Any]]]:
    """The inputs on which the audit (tools/audit.py) runs a mutant beside the reference:
    [(fn, args, kwargs)] for every function of the spec, at every size (and extra_sizes),
    in both dtypes, repeats times. ref: the reference's namespace (its functions by name)."""
    reference = SimpleNamespace(**{k: v for k, v in ref.items() if callable(v)})
    out = []
    for dtype in checks.DTYPES:
        for sizes in [*contract.SIZES, *extra_sizes]:
            for _ in range(repeats):
                made = make_variables(contract, sizes, gen, dtype, reference)
                out += [(fn, tuple(made[a] for a in contract.SPEC[fn]["args"]), {}) for fn in contract.FUNCTIONS]
    return out
