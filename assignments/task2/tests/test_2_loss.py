"""log_loss(p, y) -> the mean binary cross-entropy, compared with the reference."""
import math

import torch
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from autograder.common.messages import say

from ..task import (
    DTYPES,
    SIZES,
    Mismatch,
    case_text,
    check_loss_result,
    expect_close,
    expect_on_gpu,
    hinted,
    make_case,
)


@weight(5)
@number("2.1")
@tags("loss")
def test_loss_types(student, ref, gen):
    """log_loss: returns a 0-d tensor of p's dtype and device
    zh: log_loss：返回与 p 的 dtype、设备相同的 0 维张量
    """
    for dtype in DTYPES:
        for m, n in SIZES:
            X, y, w, b = make_case(gen, m, n, dtype)
            p = ref.predict(X, w, b)
            check_loss_result(student.log_loss(p, y), p)


@weight(15)
@number("2.2")
@tags("loss")
def test_loss_values(student, ref, gen):
    """log_loss: matches the reference (float64 and float32, several sizes)
    zh: log_loss：与参考答案一致（float64 与 float32，多种尺寸）
    """
    for dtype in DTYPES:
        for m, n in SIZES:
            X, y, w, b = make_case(gen, m, n, dtype)
            p = ref.predict(X, w, b)
            got = check_loss_result(student.log_loss(p, y), p)
            want = ref.log_loss(p, y)
            with hinted(got, want, [("lr_loss_summed", want * m)] if m > 1 else [], m=m):
                expect_close("loss", got, want, case_text(m, n))


@weight(7)
@number("2.3")
@tags("loss")
def test_loss_at_certain_predictions(student, ref, gen):
    """log_loss: stays finite for predictions of exactly 0 and 1, and large when they are wrong
    zh: log_loss：预测恰为 0 或 1 时仍是有限值，预测确定但错误时损失很大
    """
    for dtype in DTYPES:
        y = torch.tensor([[1.0], [0.0], [1.0], [0.0]], dtype=dtype)
        p = torch.tensor([[1.0], [0.0], [0.7], [0.2]], dtype=dtype)   # right and certain on two
        got = check_loss_result(student.log_loss(p, y), p)
        if not math.isfinite(float(got)):
            raise Mismatch(say("saturated", value=float(got)))
        expect_close("loss", got, ref.log_loss(p, y), case_text(4, 1), atol=1e-5)   # any clamp up to ~1e-6
        wrong = check_loss_result(student.log_loss(1 - y[:2], y[:2]), p)
        if not math.isfinite(float(wrong)):
            raise Mismatch(say("saturated", value=float(wrong)))
        if float(wrong) < 5:
            raise Mismatch(say("confident_wrong", value=float(wrong)))


@weight(3)
@number("2.4")
@tags("loss")
def test_loss_on_gpu(student, ref, gen, gpu, record_property):
    """log_loss: runs on a GPU, keeping the loss on the device of p
    zh: log_loss：能在 GPU 上运行，损失留在 p 所在的设备上
    """
    X, y, w, b = make_case(gen, *SIZES[0])
    p = ref.predict(X, w, b)
    check_loss_result(student.log_loss(p, y), p)
    record_property("message", expect_on_gpu(student.on_gpu(gpu, "log_loss", p, y), "log_loss"))
