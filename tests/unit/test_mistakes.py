"""Mistake matching (common/checks.py with reference/mistakes.py), without a worker: a
wrong value from a known mistake gets that mistake's hint, in the words a student reads;
a right value written another way gets no failure; a wrong value no mistake explains
fails without a hint."""
import pytest
import torch

from assignments.task1 import task
from assignments.task1.task import GRADS, Mismatch
from autograder.assignment import current, load_reference
from autograder.common import messages

ref = load_reference()
mistakes = load_reference(current().reference.parent / "mistakes.py")


@pytest.fixture(autouse=True)
def in_english():
    before = messages.language()
    messages.set_language("en")
    yield
    messages.set_language(before)


def hint_text(hint, **fields):
    return messages.say("hint", text=messages.say("hint_" + hint, **{"m": "m", "w": 1.0, "name": "", "fn": "",
                                                                     **fields}))


def verdict(check):
    """The Mismatch a check raises (what the student reads), or None."""
    try:
        check()
    except Mismatch as exc:
        return exc
    return None


def case(m=7, n=5, h=3, seed=0, dtype=torch.float64):
    return task.make_case(torch.Generator().manual_seed(seed), m, n, h, dtype)


# -- students' functions, right and wrong ----------------------------------------------
def backward_by_hand(X, Y, params, cache, w=1.0, divide=True, relu_at_zero=0.0, transpose_dW1=False):
    m = X.shape[0]
    A1, A2, Z1 = cache["A1"], cache["A2"], cache["Z1"]
    dZ2 = A2 * (w * Y + 1 - Y) - w * Y
    if divide:
        dZ2 = dZ2 / m
    dA1 = dZ2 @ params["W2"].T
    mask = (Z1 > 0).to(X.dtype) + relu_at_zero * (Z1 == 0).to(X.dtype)
    dZ1 = dA1 * mask
    dW1 = dZ1.T @ X if transpose_dW1 else X.T @ dZ1
    return {"dW1": dW1, "db1": dZ1.sum(0), "dW2": A1.T @ dZ2, "db2": dZ2.sum(0)}


def backward_per_example(X, Y, params, cache, w=1.0):
    """Right, written another way: one example at a time, mean at the end."""
    grads = {k: torch.zeros_like(params[k[1:]]) for k in GRADS}
    for i in range(X.shape[0]):
        x, y, a2, z1 = X[i], Y[i], cache["A2"][i], cache["Z1"][i]
        dz2 = a2 * (w * y + 1 - y) - w * y
        dz1 = (params["W2"][:, 0] * dz2) * (z1 > 0).to(X.dtype)
        grads["dW1"] += torch.outer(x, dz1)
        grads["db1"] += dz1
        grads["dW2"] += cache["A1"][i][:, None] * dz2
        grads["db2"] += dz2
    return {k: v / X.shape[0] for k, v in grads.items()}


def grade_backward(student, X, Y, params, w=1.0):
    """What test 3.2 / 3.3 do with one case (autograder/grading/tests/test_3_backward.py)."""
    _, cache = ref.forward(X, params)
    got = task.check_grads_result(student(X, Y, params, cache, w), params)
    want = ref.backward(X, Y, params, cache, w)

    def check():
        with task.hinted(got, want, mistakes.backward_mistakes(ref, X, Y, params, cache, w),
                           m=X.shape[0], w=w, fn="backward"):
            for g in GRADS:
                task.expect_close(g, got[g], want[g], "case")
    return verdict(check)


@pytest.mark.parametrize("w", [1.0, 3.0])
def test_right_gradients_written_two_ways_get_no_failure(w):
    X, Y, params = case()
    assert grade_backward(backward_by_hand, X, Y, params, w) is None
    assert grade_backward(backward_per_example, X, Y, params, w) is None


@pytest.mark.parametrize("w", [1.0, 3.0])
def test_gradients_without_the_mean_get_the_1_over_m_hint(w):
    X, Y, params = case(m=7)
    failure = grade_backward(lambda *a: backward_by_hand(*a, divide=False), X, Y, params, w)
    assert failure is not None and failure.hints == ["grad_missing_mean"], failure
    assert hint_text("grad_missing_mean", m=7) in str(failure), str(failure)
    assert "exactly m = 7 times the expected ones" in str(failure)


def test_gradients_divided_twice_get_their_hint():
    X, Y, params = case()
    failure = grade_backward(lambda *a: {k: v / 7 for k, v in backward_by_hand(*a).items()}, X, Y, params)
    assert failure.hints == ["grad_double_mean"], str(failure)


def test_relu_derivative_one_at_zero_gets_its_hint():
    X, Y, params = case()
    X, params = task.with_exact_zeros(X, params)
    failure = grade_backward(lambda *a: backward_by_hand(*a, relu_at_zero=1.0), X, Y, params)
    assert failure.hints == ["relu_grad_at_zero"], str(failure)
    assert hint_text("relu_grad_at_zero") in str(failure)


def test_a_weighted_gradient_that_ignores_the_weight_gets_its_hint():
    X, Y, params = case()
    failure = grade_backward(lambda X, Y, p, c, w: backward_by_hand(X, Y, p, c, 1.0), X, Y, params, 3.0)
    assert failure.hints == ["weighted_grad_ignores_weight"], str(failure)


def test_the_transposed_dW1_is_named_by_its_shape():
    X, Y, params = case(m=7, n=5, h=3)
    failure = verdict(lambda: grade_backward(lambda *a: backward_by_hand(*a, transpose_dW1=True), X, Y, params))
    assert failure.hints == ["grad_transposed"], str(failure)
    text = str(failure)
    assert text.startswith("dW1 has shape (3, 5); expected (5, 3)"), text
    assert hint_text("grad_transposed", name="dW1") in text


def test_wrong_gradients_no_mistake_explains_fail_without_a_hint():
    X, Y, params = case()
    failure = grade_backward(lambda *a: {k: v * 2 for k, v in backward_by_hand(*a).items()}, X, Y, params)
    assert failure is not None and failure.hints == [] and "Hint:" not in str(failure)
    assert "dW1" in str(failure)


# -- the loss ------------------------------------------------------------------
def grade_saturated_loss(bce_loss):
    """What test 2.5 does (check_saturated_loss on the saturated cases, both dtypes)."""
    gen = torch.Generator().manual_seed(0)
    cases, lists = [], []
    for dtype in task.DTYPES:
        A2, Y = task.saturated_case(ref, gen, dtype)
        cases.append((A2, Y, ref.bce_loss(A2, Y, task.SATURATED_WEIGHT)))
        lists.append(mistakes.loss_mistakes(ref, A2, Y, task.SATURATED_WEIGHT))
    return verdict(lambda: task.check_saturated_loss(bce_loss, cases, lists))


def test_a_clamped_loss_passes_at_saturated_predictions():
    def clamped(A2, Y, w=1.0):
        p = A2.clamp(1e-7, 1 - 1e-7)
        return -(w * Y * torch.log(p) + (1 - Y) * torch.log(1 - p)).mean()

    assert grade_saturated_loss(ref.bce_loss) is None
    assert grade_saturated_loss(clamped) is None


def test_an_additive_eps_inside_the_logs_gets_its_hint():
    def plus_eps(A2, Y, w=1.0):
        return -(w * Y * torch.log(A2 + 1e-8) + (1 - Y) * torch.log(1 - A2 + 1e-8)).mean()

    failure = grade_saturated_loss(plus_eps)
    assert failure is not None and failure.hints == ["loss_additive_eps"], failure
    assert hint_text("loss_additive_eps", fn="bce_loss") in str(failure)


def test_no_clamp_at_all_is_told_the_loss_is_not_finite():
    failure = grade_saturated_loss(lambda A2, Y, w=1.0: -(w * Y * torch.log(A2) + (1 - Y) * torch.log(1 - A2)).mean())
    assert failure.hints == ["loss_clamp"], str(failure)
    assert "float64" in str(failure)


def grade_loss(bce_loss, w=3.0):
    X, Y, params = case(m=9)
    A2, _ = ref.forward(X, params)
    got = task.check_loss_result(bce_loss(A2, Y, w), A2)
    want = ref.bce_loss(A2, Y, w)

    def check():
        with task.hinted(got, want, mistakes.loss_mistakes(ref, A2, Y, w), m=9, w=w, fn="bce_loss"):
            task.expect_close("loss", got, want, "case")
    return verdict(check)


def test_a_summed_loss_and_a_swapped_weight_get_their_hints():
    assert grade_loss(ref.bce_loss) is None
    summed = grade_loss(lambda A2, Y, w: ref.bce_loss(A2, Y, w) * A2.shape[0])
    assert summed.hints == ["loss_summed"] and hint_text("loss_summed", m=9, fn="bce_loss") in str(summed)
    swapped = grade_loss(lambda A2, Y, w: -(Y * torch.log(A2) + w * (1 - Y) * torch.log1p(-A2)).mean())
    assert swapped.hints == ["weight_on_negative_term"], str(swapped)


# -- forward and sgd_step --------------------------------------------------------
def grade_forward(forward):
    X, Y, params = case()
    got = task.check_forward_result(forward(X, params), X, params)
    want = ref.forward(X, params)

    def check():
        with task.hinted(got, want, mistakes.forward_mistakes(ref, X, params), m=7):
            task.expect_close("A2", got[0], want[0], "case")
            for k in task.CACHE:
                task.expect_close(f'cache["{k}"]', got[1][k], want[1][k], "case")
    return verdict(check)


def test_forward_mistakes():
    def logits(X, p):
        A2, cache = ref.forward(X, p)
        return cache["Z2"], {**cache, "A2": cache["Z2"]}

    assert grade_forward(ref.forward) is None
    assert grade_forward(logits).hints == ["forward_returns_logits"]
    assert grade_forward(lambda X, p: ref.forward(X, {**p, "b1": torch.zeros_like(p["b1"])})).hints == [
        "forward_no_bias"]


def test_sgd_mistakes():
    X, Y, params = case()
    _, cache = ref.forward(X, params)
    grads = ref.backward(X, Y, params, cache)

    def grade(step):
        got = task.check_params_result(step(params, grads, 0.1), params)
        want = ref.sgd_step(params, grads, 0.1)

        def check():
            with task.hinted(got, want, mistakes.sgd_mistakes(ref, params, grads, 0.1), m=7):
                for k in task.PARAMS:
                    task.expect_close(k, got[k], want[k], "case")
        return verdict(check)

    assert grade(ref.sgd_step) is None
    flipped = grade(lambda p, g, lr: {k: p[k] + lr * g["d" + k] for k in task.PARAMS})
    assert flipped.hints == ["sgd_sign_flipped"] and hint_text("sgd_sign_flipped") in str(flipped)
    assert grade(lambda p, g, lr: dict(p)).hints == ["sgd_unchanged"]
