"""backward(X, Y, params, cache, pos_weight) -> grads, on caches made by the reference.

If backward uses autograd (detected in the worker), every test here scores 0.
"""
import pytest
import torch
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from autograder.checks import (GRADS, SIZES, Mismatch, case_text, check_grads_result, expect_close,
                               gradient_check, make_case, numerical_gradient, with_exact_zeros)
from autograder.messages import say
from autograder.sandbox import StudentCodeError


@pytest.fixture(autouse=True)
def _no_autograd(autograd_use):
    if autograd_use:
        raise Mismatch(say("autograd", what=autograd_use))


def _compare(student, ref, X, Y, params, pos_weight, case):
    _, cache = ref.forward(X, params)
    got = check_grads_result(student.backward(X, Y, params, cache, pos_weight), params)
    want = ref.backward(X, Y, params, cache, pos_weight)
    for g in GRADS:
        expect_close(g, got[g], want[g], case)
    return got


@weight(5)
@number("3.1")
@tags("backward")
def test_backward_types(student, ref, gen, device):
    """backward: every gradient has its parameter's shape, dtype and device"""
    for dtype in (torch.float64, torch.float32):
        X, Y, params = make_case(gen, 7, 5, 3, dtype)
        X, Y, params = X.to(device), Y.to(device), {k: v.to(device) for k, v in params.items()}
        _, cache = ref.forward(X, params)
        check_grads_result(student.backward(X, Y, params, cache, 1.0), params)


@weight(8)
@number("3.2")
@tags("backward")
def test_backward_unweighted(student, ref, gen):
    """backward: gradients match the reference with pos_weight = 1"""
    for m, n, h in SIZES:
        X, Y, params = make_case(gen, m, n, h)
        _compare(student, ref, X, Y, params, 1.0, case_text(m, n, h, pos_weight=1.0))


@weight(8)
@number("3.3")
@tags("backward")
def test_backward_weighted(student, ref, gen):
    """backward: gradients match the reference with pos_weight = 3"""
    for m, n, h in SIZES:
        X, Y, params = make_case(gen, m, n, h)
        _compare(student, ref, X, Y, params, 3.0, case_text(m, n, h, pos_weight=3.0))


@weight(4)
@number("3.4")
@tags("backward")
def test_backward_relu_at_zero(student, ref, gen):
    """backward: ReLU'(0) = 0 where a pre-activation is exactly 0"""
    for m, n, h in SIZES[:1] + SIZES[2:]:
        X, Y, params = make_case(gen, m, n, h)
        X, params = with_exact_zeros(X, params)
        _compare(student, ref, X, Y, params, 1.0, case_text(m, n, h, pos_weight=1.0))


@weight(4)
@number("3.5")
@tags("backward")
def test_backward_uses_given_cache(student, ref, gen):
    """backward: uses the cache it is given, and gives the same answer twice"""
    X, Y, params = make_case(gen, 9, 4, 6)
    _, cache = ref.forward(X, params)
    other_X, _, other_params = make_case(gen, 5, 4, 6)
    try:  # leaves state behind, if the student keeps any; forward's own bugs cost nothing here
        student.forward(other_X, other_params)
    except (Mismatch, StudentCodeError):
        pass
    case = case_text(9, 4, 6, pos_weight=3.0)
    want = ref.backward(X, Y, params, cache, 3.0)
    first = check_grads_result(student.backward(X, Y, params, cache, 3.0), params)
    for g in GRADS:
        expect_close(g, first[g], want[g], case)
    second = check_grads_result(student.backward(X, Y, params, cache, 3.0), params)
    for g in GRADS:
        if not torch.equal(first[g], second[g]):
            raise Mismatch(say("not_repeatable", name=g))


@weight(6)
@number("3.6")
@tags("backward")
def test_backward_numerical_gradient(student, ref, gen):
    """backward: agrees with central differences (eps = 1e-5, float64) entry by entry"""
    for pos_weight in (1.0, 3.0):
        X, Y, params = make_case(gen, 6, 4, 3, kink_margin=1e-3)
        _, cache = ref.forward(X, params)
        got = check_grads_result(student.backward(X, Y, params, cache, pos_weight), params)
        numeric = numerical_gradient(lambda p: ref.bce_loss(ref.forward(X, p)[0], Y, pos_weight),
                                     {k: v.clone() for k, v in params.items()})
        gradient_check(got, numeric, tol=1e-5)
