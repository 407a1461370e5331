"""The audit's operators for the numerics of common courses (tools/audit.py make_mutants),
on a softmax cross-entropy written as students write it: pure AST, no grading. Which
inputs catch which mutant: a test that only adds 1000 to every logit catches a dropped
max-subtraction, but not the row's mean or the batch's max subtracted instead of each
row's max; rows of mixed sign with a wide spread at large magnitude catch those too."""
import ast
import functools

import pytest
import torch

from autograder.common import checks
from autograder.tools import audit

SOURCE = '''import torch


def cross_entropy(Z, y):
    Z = Z - Z.max(dim=1, keepdim=True).values
    logp = Z - torch.logsumexp(Z, dim=1, keepdim=True)
    return -logp[torch.arange(Z.shape[0]), y].mean()


def softmax(Z):
    return torch.softmax(Z - Z.amax(dim=1, keepdim=True), dim=1)


def softmax_by_hand(Z):
    E = torch.exp(Z - Z.max(dim=1, keepdim=True).values)
    return E / E.sum(dim=1, keepdim=True)


def log_softmax(Z):
    return Z - torch.logsumexp(Z, dim=1, keepdim=True)
'''
FUNCTIONS = ("cross_entropy", "softmax", "softmax_by_hand", "log_softmax")

# The weak test of large logits: every logit near 1000, every row spread by a few units.
EASY = 1000 + torch.tensor([[1.0, -2.0, 0.5], [0.3, 2.0, -1.0], [-0.5, 0.0, 1.5], [2.0, 1.0, 0.0]])
# Rows of mixed sign, spread wide within a row (its mean is far from its max) and across
# the batch (a row's max far below the batch's).
HARD = torch.tensor([[1000.0, -1000.0, 0.0], [-5.0, 5.0, 0.0], [-5.0, 5.0, 990.0]])


def mutants(source=SOURCE, functions=FUNCTIONS, operators=()):
    """make_mutants of functions in source, with no confused names: no assignment needed."""
    return _made(source, tuple(functions), tuple(operators))


@functools.lru_cache
def _made(source, functions, operators):
    return audit.make_mutants(source, functions, confused={}, operators=operators)


def find(fn, after, every=None):
    """The one mutant of fn whose changed line is after."""
    every = every or mutants()
    found = [m for m in every if m["fn"] == fn and m["after"] == after]
    assert len(found) == 1, (after, [m["after"] for m in every if m["fn"] == fn])
    return found[0]


def run(m, *args):
    return audit.load_source(m["source"])[m["fn"]](*args)


def reference(fn, *args):
    return audit.load_source(SOURCE, "reference")[fn](*args)


ROW_MEAN = "E = torch.exp(Z - Z.mean(dim=1, keepdim=True))"
GLOBAL_MAX = "E = torch.exp(Z - Z.max())"
NO_MAX = "E = torch.exp(Z)"


def test_the_numerics_mutants_are_made():
    every = mutants()
    assert len({m["source"] for m in every}) == len(every)
    expected = {
        "cross_entropy": ["Z = Z - Z.mean(dim=1, keepdim=True)",            # the row's mean
                          "Z = Z - Z.max()",                                # the batch's max
                          "Z = Z",                                          # no max at all
                          "Z = Z - Z.max(dim=0, keepdim=True).values",      # over the other dim
                          "Z = Z - Z.max(dim=1, keepdim=False).values",     # keepdim toggled
                          "logp = Z - torch.log(torch.exp(Z).sum(dim=1, keepdim=True))",
                          "logp = Z - torch.logsumexp(Z, dim=0, keepdim=True)",
                          "logp = Z - torch.logsumexp(Z, dim=1, keepdim=False)"],
        "softmax": ["return torch.softmax(Z - Z.mean(dim=1, keepdim=True), dim=1)",
                    "return torch.softmax(Z - Z.amax(), dim=1)",
                    "return torch.softmax(Z, dim=1)",
                    "return torch.softmax(Z - Z.amax(dim=1, keepdim=True), dim=0)",   # the wrong dim
                    "return torch.log_softmax(Z - Z.amax(dim=1, keepdim=True), dim=1)",
                    "return torch.softmax(Z - Z.amax(dim=1, keepdim=False), dim=1)"],
        "softmax_by_hand": [ROW_MEAN, GLOBAL_MAX, NO_MAX, "return E / E.sum(dim=1, keepdim=False)"],
    }
    for fn, afters in expected.items():
        for after in afters:
            find(fn, after, every)   # each exactly once: the dropped max is not made twice
    assert all(m["kind"] == "value" for m in every if "mean(dim=1" in m["after"] or "log(" in m["after"])


def test_positional_and_negative_dims():
    source = '''import torch
import torch.nn.functional as F


def f(Z):
    Z -= torch.max(Z, -1, keepdim=True)[0]
    a = Z.max(1)[0] + torch.amax(Z, 1) + Z.logsumexp(-1)
    return F.log_softmax(a, dim=-1) + Z.softmax(0)
'''
    every = mutants(source, ["f"])
    for after in ["pass",                                      # the max-subtraction dropped
                  "Z -= Z.mean(dim=-1, keepdim=True)", "Z -= torch.max(Z)",
                  "Z -= torch.max(Z, 0, keepdim=True)[0]",         # -1 -> 0, by position
                  "Z -= torch.max(Z, -1, keepdim=False)[0]",
                  "a = Z.mean(dim=1) + torch.amax(Z, 1) + Z.logsumexp(-1)",
                  "a = Z.max() + torch.amax(Z, 1) + Z.logsumexp(-1)",
                  "a = Z.max(1)[0] + torch.amax(Z) + Z.logsumexp(-1)",
                  "a = Z.max(1)[0] + torch.amax(Z, 0) + Z.logsumexp(-1)",
                  "a = Z.max(1, keepdim=True)[0] + torch.amax(Z, 1) + Z.logsumexp(-1)",
                  "a = Z.max(1)[0] + torch.amax(Z, 1) + Z.logsumexp(0)",
                  "a = Z.max(1)[0] + torch.amax(Z, 1) + torch.log(torch.exp(Z).sum(dim=-1))",
                  "return F.log_softmax(a, dim=0) + Z.softmax(0)",
                  "return F.softmax(a, dim=-1) + Z.softmax(0)",
                  "return F.log_softmax(a, dim=-1) + Z.softmax(1)",
                  "return F.log_softmax(a, dim=-1) + Z.log_softmax(0)"]:
        find("f", after, every)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_which_inputs_catch_which_mutant(dtype):
    """By hand, exp(Z - m) / sum: the weak test (logits near 1000) catches only the dropped
    max; the row's mean and the batch's max agree with the reference there and differ on
    HARD, where exp overflows (a row's mean 0 beside its 1000) or underflows to 0/0 (a
    row whose max is 995 below the batch's)."""
    easy, hard = EASY.to(dtype), HARD.to(dtype)
    want_easy, want_hard = reference("softmax_by_hand", easy), reference("softmax_by_hand", hard)
    assert checks.same(want_hard, torch.softmax(hard, dim=1))   # the reference itself is right there
    for after in (ROW_MEAN, GLOBAL_MAX):
        m = find("softmax_by_hand", after)
        assert checks.same(run(m, easy), want_easy), after       # (a) the weak test cannot tell
        got = run(m, hard)
        assert not checks.same(got, want_hard) and not torch.isfinite(got).all(), (after, got)   # (b)
    assert not torch.isfinite(run(find("softmax_by_hand", NO_MAX), easy)).all()   # exp(1000) = inf
    # logsumexp by hand overflows on the weak test already.
    by_hand = find("log_softmax", "return Z - torch.log(torch.exp(Z).sum(dim=1, keepdim=True))")
    assert not checks.same(run(by_hand, easy), reference("log_softmax", easy))


def test_torch_own_stable_functions_make_those_mutants_equivalent():
    """Where torch.logsumexp or torch.softmax follows, the max subtracted is only a shift:
    the row's mean or the batch's max (or none) give the same values even on HARD, so the
    audit's equivalence check must call them equivalent, and the tests must not punish them."""
    hard, y = HARD.double(), torch.tensor([0, 1, 2])
    for fn, after, args in [("cross_entropy", "Z = Z - Z.mean(dim=1, keepdim=True)", (hard, y)),
                            ("cross_entropy", "Z = Z - Z.max()", (hard, y)),
                            ("softmax", "return torch.softmax(Z - Z.amax(), dim=1)", (hard,)),
                            ("softmax", "return torch.softmax(Z, dim=1)", (hard,))]:
        assert checks.same(run(find(fn, after), *args), reference(fn, *args)), after
    wrong_dim = find("softmax", "return torch.softmax(Z - Z.amax(dim=1, keepdim=True), dim=0)")
    assert not checks.same(run(wrong_dim, EASY), reference("softmax", EASY))


def exp_to_expm1(node):
    """An assignment's own operator: torch.exp -> torch.expm1."""
    if isinstance(node, ast.Attribute) and node.attr == "exp":
        yield "value", lambda n: ast.Attribute(n.value, "expm1", ast.Load())


def test_an_assignment_adds_its_own_operators():
    every = mutants(operators=[exp_to_expm1])
    m = find("softmax_by_hand", "E = torch.expm1(Z - Z.max(dim=1, keepdim=True).values)", every)
    assert m["kind"] == "value"
    assert len(every) == len(mutants()) + 1   # the one torch.exp of the reference
    assert not any("expm1" in m["after"] for m in mutants())


def test_the_current_assignments_operators_are_used(monkeypatch):
    """make_mutants with its defaults reads OPERATORS from the assignment's mutants.py (and
    takes the assignment's functions: one of them here, named in a small source)."""
    part = audit.current().part("mutants")
    source = f"import torch\n\n\ndef {audit.current().functions[0]}(X):\n    return torch.sigmoid(X) * 2\n"
    before = audit.make_mutants(source)
    seen = []

    def sigmoid_to_tanh(node):
        seen.append(node)
        if isinstance(node, ast.Attribute) and node.attr == "sigmoid":
            yield "value", lambda n: ast.Attribute(n.value, "tanh", ast.Load())

    monkeypatch.setattr(part, "OPERATORS", [sigmoid_to_tanh], raising=False)
    after = audit.make_mutants(source)
    added = [m for m in after if "torch.tanh(" in m["after"]]
    assert seen and added and len(after) == len(before) + len(added), [m["after"] for m in added]
