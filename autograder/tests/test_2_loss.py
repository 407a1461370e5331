"""bce_loss(A2, Y, pos_weight) -> 0-dim tensor, on predictions made by the reference."""
import torch
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from autograder.checks import SIZES, Mismatch, case_text, check_loss_result, expect_close, hinted, make_case
from autograder.messages import say


@weight(4)
@number("2.1")
@tags("loss")
def test_loss_types(student, ref, gen, device):
    """bce_loss: returns a 0-dim tensor with the dtype and device of A2
    zh: bce_loss：返回与 A2 的 dtype、设备相同的 0 维张量
    """
    for dtype in (torch.float64, torch.float32):
        X, Y, params = make_case(gen, 7, 5, 3, dtype)
        A2, _ = ref.forward(X, params)
        A2, Y = A2.to(device), Y.to(device)
        check_loss_result(student.bce_loss(A2, Y, 1.0), A2)


def _compare(student, ref, mistakes, gen, pos_weight):
    for m, n, h in SIZES:
        X, Y, params = make_case(gen, m, n, h)
        A2, _ = ref.forward(X, params)
        got = check_loss_result(student.bce_loss(A2, Y, pos_weight), A2)
        with hinted(got, mistakes.loss_mistakes(ref, A2, Y, pos_weight), m=m, w=pos_weight, fn="bce_loss"):
            expect_close("loss", got, ref.bce_loss(A2, Y, pos_weight), case_text(m, n, h, pos_weight=pos_weight))


@weight(5)
@number("2.2")
@tags("loss")
def test_loss_unweighted(student, ref, mistakes, gen):
    """bce_loss: matches the reference with pos_weight = 1
    zh: bce_loss：pos_weight = 1 时与参考答案一致
    """
    _compare(student, ref, mistakes, gen, 1.0)


@weight(5)
@number("2.3")
@tags("loss")
def test_loss_weighted(student, ref, mistakes, gen):
    """bce_loss: matches the reference with pos_weight = 3
    zh: bce_loss：pos_weight = 3 时与参考答案一致
    """
    _compare(student, ref, mistakes, gen, 3.0)


@weight(3)
@number("2.4")
@tags("loss")
def test_loss_other_weight(student, ref, mistakes, gen):
    """bce_loss: matches the reference with pos_weight = 0.5
    zh: bce_loss：pos_weight = 0.5 时与参考答案一致
    """
    _compare(student, ref, mistakes, gen, 0.5)


@weight(3)
@number("2.5")
@tags("loss")
def test_loss_saturated_predictions(student, ref, gen):
    """bce_loss: stays finite when predictions are exactly 0 or 1
    zh: bce_loss：预测恰为 0 或 1 时仍是有限值
    """
    for dtype in (torch.float64, torch.float32):
        # Right and confident on some rows, ordinary predictions on others.
        X, Y, params = make_case(gen, 8, 4, 5, dtype)
        A2, _ = ref.forward(X, params)
        A2[:3] = Y[:3]
        got = check_loss_result(student.bce_loss(A2, Y, 3.0), A2)
        if not bool(torch.isfinite(got)):
            raise Mismatch(say("loss_not_finite", value=float(got)))
        # Any clamp up to eps ~ 1e-6 is correct, so compare loosely here.
        expect_close("loss", got, ref.bce_loss(A2, Y, 3.0), case_text(8, 4, 5, pos_weight=3.0), atol=1e-5)
        # Confident and wrong everywhere: the loss must be finite and large.
        Y2 = torch.tensor([[1.0], [0.0]], dtype=dtype)
        got = check_loss_result(student.bce_loss(1 - Y2, Y2, 1.0), Y2)
        if not bool(torch.isfinite(got)):
            raise Mismatch(say("loss_not_finite", value=float(got)))
        if float(got) < 5:
            raise Mismatch(say("loss_confident_wrong", value=float(got)))
