"""bce_loss(A2, Y, pos_weight) -> 0-dim tensor, on predictions made by the reference."""
import torch
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from ..task import (
    DTYPES,
    SATURATED_WEIGHT,
    SIZES,
    TYPE_SIZES,
    case_text,
    check_loss_result,
    check_saturated_loss,
    default_case,
    default_left_out,
    expect_close,
    expect_on_gpu,
    hinted,
    make_case,
    saturated_case,
)


@weight(2)
@number("2.1")
@tags("loss")
def test_loss_types(student, ref, gen):
    """bce_loss: returns a 0-dim tensor with the dtype and device of A2
    zh: bce_loss：返回与 A2 的 dtype、设备相同的 0 维张量
    """
    for dtype in (torch.float64, torch.float32):
        for m, n, h in TYPE_SIZES:
            X, Y, params = make_case(gen, m, n, h, dtype)
            A2, _ = ref.forward(X, params)
            check_loss_result(student.bce_loss(A2, Y, 1.0), A2)


def _compare(student, ref, mistakes, gen, pos_weight):
    for m, n, h in SIZES:
        X, Y, params = make_case(gen, m, n, h)
        A2, _ = ref.forward(X, params)
        got = check_loss_result(student.bce_loss(A2, Y, pos_weight), A2)
        want = ref.bce_loss(A2, Y, pos_weight)
        with hinted(got, want, mistakes.loss_mistakes(ref, A2, Y, pos_weight), m=m, w=pos_weight, fn="bce_loss"):
            expect_close("loss", got, want, case_text(m, n, h, pos_weight=pos_weight))
        if pos_weight == 1.0:   # the contract: bce_loss(A2, Y) is bce_loss(A2, Y, 1.0)
            got = check_loss_result(student.bce_loss(A2, Y), A2)
            with default_left_out("bce_loss"):
                expect_close("loss", got, want, default_case(m, n, h))


@weight(5)
@number("2.2")
@tags("loss")
def test_loss_unweighted(student, ref, mistakes, gen):
    """bce_loss: matches the reference with pos_weight = 1, passed or left out
    zh: bce_loss：pos_weight = 1（传入或使用默认值）时与参考答案一致
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
def test_loss_saturated_predictions(student, ref, mistakes, gen):
    """bce_loss: stays finite when predictions are exactly 0 or 1, and right when they are all but certain
    zh: bce_loss：预测恰为 0 或 1 时仍是有限值，预测几乎确定时数值正确
    """
    cases = [saturated_case(ref, gen, d) for d in DTYPES]
    check_saturated_loss(student.bce_loss, [(A2, Y, ref.bce_loss(A2, Y, SATURATED_WEIGHT)) for A2, Y in cases],
                         [mistakes.loss_mistakes(ref, A2, Y, SATURATED_WEIGHT) for A2, Y in cases])


# Its 2 points come from 2.1 (4 -> 2).
@weight(2)
@number("2.6")
@tags("loss")
def test_loss_on_gpu(student, ref, gen, gpu, record_property):
    """bce_loss: runs on a GPU, keeping every tensor on the device of A2
    zh: bce_loss：能在 GPU 上运行，所有张量都留在 A2 所在的设备上
    """
    X, Y, params = make_case(gen, *SIZES[0])
    A2, _ = ref.forward(X, params)
    check_loss_result(student.bce_loss(A2, Y, 3.0), A2)   # first on the CPU, as a GPU would run it
    record_property("message", expect_on_gpu(student.on_gpu(gpu, "bce_loss", A2, Y, 3.0), "bce_loss"))
