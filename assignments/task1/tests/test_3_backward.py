"""backward(X, Y, params, cache, pos_weight) -> grads, on caches made by the reference.

If backward uses autograd (detected in the worker), every test here scores 0.
"""
import pytest
import torch
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from autograder.common.messages import say
from autograder.sandbox.errors import StudentCodeError

from ..task import (
    DTYPES,
    GRADS,
    SATURATED_WEIGHT,
    SIZES,
    TYPE_SIZES,
    Mismatch,
    case_text,
    check_grads_result,
    check_saturated_backward,
    default_case,
    default_left_out,
    expect_close,
    expect_on_gpu,
    gradcheck_case,
    gradient_check,
    hinted,
    make_case,
    numerical_gradient,
    saturated_alternatives,
    saturated_backward_case,
    with_exact_zeros,
    with_hint,
)


@pytest.fixture(autouse=True)
def _no_autograd(autograd_use):
    if autograd_use:
        raise Mismatch(with_hint(say("autograd", what=autograd_use), "autograd_used"))


def _compare(student, ref, mistakes, X, Y, params, pos_weight, case):
    _, cache = ref.forward(X, params)
    got = check_grads_result(student.backward(X, Y, params, cache, pos_weight), params)
    want = ref.backward(X, Y, params, cache, pos_weight)
    with hinted(got, want, mistakes.backward_mistakes(ref, X, Y, params, cache, pos_weight),
                m=X.shape[0], w=pos_weight, fn="backward"):
        for g in GRADS:
            expect_close(g, got[g], want[g], case)
    return got


@weight(3)
@number("3.1")
@tags("backward")
def test_backward_types(student, ref, gen):
    """backward: every gradient has its parameter's shape, dtype and device
    zh: backward：每个梯度的形状、dtype、设备与对应参数相同
    """
    for dtype in (torch.float64, torch.float32):
        for m, n, h in TYPE_SIZES:
            X, Y, params = make_case(gen, m, n, h, dtype)
            _, cache = ref.forward(X, params)
            check_grads_result(student.backward(X, Y, params, cache, 1.0), params)


@weight(8)
@number("3.2")
@tags("backward")
def test_backward_unweighted(student, ref, mistakes, gen):
    """backward: gradients match the reference with pos_weight = 1, passed or left out
    zh: backward：pos_weight = 1（传入或使用默认值）时梯度与参考答案一致
    """
    for m, n, h in SIZES:
        X, Y, params = make_case(gen, m, n, h)
        _compare(student, ref, mistakes, X, Y, params, 1.0, case_text(m, n, h, pos_weight=1.0))
        _, cache = ref.forward(X, params)   # the contract: pos_weight=1.0 is backward's default
        got = check_grads_result(student.backward(X, Y, params, cache), params)
        want = ref.backward(X, Y, params, cache, 1.0)
        with default_left_out("backward"):
            for g in GRADS:
                expect_close(g, got[g], want[g], default_case(m, n, h))


@weight(7)
@number("3.3")
@tags("backward")
def test_backward_weighted(student, ref, mistakes, gen):
    """backward: gradients match the reference with pos_weight = 3
    zh: backward：pos_weight = 3 时梯度与参考答案一致
    """
    for m, n, h in SIZES:
        X, Y, params = make_case(gen, m, n, h)
        _compare(student, ref, mistakes, X, Y, params, 3.0, case_text(m, n, h, pos_weight=3.0))


@weight(4)
@number("3.4")
@tags("backward")
def test_backward_relu_at_zero(student, ref, mistakes, gen):
    """backward: ReLU'(0) = 0 where a pre-activation is exactly 0
    zh: backward：激活前的值恰为 0 时 ReLU'(0) = 0
    """
    for m, n, h in SIZES[:1] + SIZES[2:]:
        X, Y, params = make_case(gen, m, n, h)
        X, params = with_exact_zeros(X, params)
        _compare(student, ref, mistakes, X, Y, params, 1.0, case_text(m, n, h, pos_weight=1.0))


@weight(4)
@number("3.5")
@tags("backward")
def test_backward_uses_given_cache(student, ref, gen):
    """backward: uses the cache it is given, and gives the same answer twice
    zh: backward：使用传入的 cache，两次调用结果相同
    """
    X, Y, params = make_case(gen, 9, 4, 6)
    _, cache = ref.forward(X, params)
    other_X, _, other_params = make_case(gen, 5, 4, 6)
    try:  # leaves state behind, if the student keeps any; forward's own bugs cost nothing here
        student.forward(other_X, other_params)
    except (Mismatch, StudentCodeError):
        pass
    case = case_text(9, 4, 6, pos_weight=3.0)
    want = ref.backward(X, Y, params, cache, 3.0)
    try:
        first = check_grads_result(student.backward(X, Y, params, cache, 3.0), params)
        for g in GRADS:
            expect_close(g, first[g], want[g], case)
    except (Mismatch, StudentCodeError) as exc:
        if _right_after_own_forward(student, X, Y, params, cache, want):
            raise Mismatch(with_hint(exc, "stale_state")) from None
        raise
    second = check_grads_result(student.backward(X, Y, params, cache, 3.0), params)
    for g in GRADS:
        if not torch.equal(first[g], second[g]):
            raise Mismatch(say("not_repeatable", name=g))


def _right_after_own_forward(student, X, Y, params, cache, want):
    """Is backward right once forward has just run on these very inputs? (stale state)"""
    try:
        student.forward(X, params)
        got = check_grads_result(student.backward(X, Y, params, cache, 3.0), params)
        for g in GRADS:
            expect_close(g, got[g], want[g])
    except (Mismatch, StudentCodeError):
        return False
    return True


@weight(4)
@number("3.6")
@tags("backward")
def test_backward_numerical_gradient(student, ref, mistakes, gen):
    """backward: agrees with central differences (eps = 1e-5, float64) entry by entry
    zh: backward：逐元素与中心差分（eps = 1e-5，float64）一致
    """
    for pos_weight in (1.0, 3.0):
        X, Y, params = gradcheck_case(gen)
        _, cache = ref.forward(X, params)
        got = check_grads_result(student.backward(X, Y, params, cache, pos_weight), params)
        numeric = numerical_gradient(lambda p: ref.bce_loss(ref.forward(X, p)[0], Y, pos_weight),
                                     {k: v.clone() for k, v in params.items()})
        with hinted(got, ref.backward(X, Y, params, cache, pos_weight),
                    mistakes.backward_mistakes(ref, X, Y, params, cache, pos_weight),
                    m=X.shape[0], w=pos_weight, fn="backward"):
            gradient_check(got, numeric)


# Its 3 points come from 3.3 (8 -> 7) and 3.6 (6 -> 4), the other weighted tests, so that a
# bug in the weighting loses what it lost before and backward stays at 35.
@weight(3)
@number("3.7")
@tags("backward")
def test_backward_saturated_predictions(student, ref, mistakes, gen):
    """backward: finite and right when predictions are exactly 0 or 1
    zh: backward：预测恰为 0 或 1 时梯度有限且正确
    """
    cases = []
    for dtype in DTYPES:
        X, Y, params, cache = saturated_backward_case(ref, gen, dtype)
        cases.append((X, Y, params, cache, saturated_alternatives(ref.backward, X, Y, params, cache, SATURATED_WEIGHT),
                      mistakes.backward_mistakes(ref, X, Y, params, cache, SATURATED_WEIGHT)))
    check_saturated_backward(student.backward, cases)


# Its 2 points come from 3.1 (5 -> 3).
@weight(2)
@number("3.8")
@tags("backward")
def test_backward_on_gpu(student, ref, gen, gpu, record_property):
    """backward: runs on a GPU, keeping every tensor on the device of the inputs
    zh: backward：能在 GPU 上运行，所有张量都留在输入所在的设备上
    """
    X, Y, params = make_case(gen, *SIZES[0])
    _, cache = ref.forward(X, params)
    check_grads_result(student.backward(X, Y, params, cache, 3.0), params)   # first on the CPU
    record_property("message", expect_on_gpu(student.on_gpu(gpu, "backward", X, Y, params, cache, 3.0), "backward"))
