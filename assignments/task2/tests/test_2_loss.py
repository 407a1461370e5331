"""log_loss at the edges: what only Task 2's handout asks of it (§2)."""
import math

import torch
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from autograder.common.checks import DTYPES, Mismatch, expect_close, expect_tensor
from autograder.common.messages import say


def _finite(value):
    if not math.isfinite(float(value)):
        raise Mismatch(say("saturated", value=float(value)))
    return value


@weight(7)
@number("2.4")
@tags("loss")
def test_loss_at_certain_predictions(student, ref):
    """log_loss: stays finite for predictions of exactly 0 and 1, and large when they are wrong
    zh: log_loss：预测恰为 0 或 1 时仍是有限值，预测确定但错误时损失很大
    """
    for dtype in DTYPES:
        y = torch.tensor([[1.0], [0.0], [1.0], [0.0]], dtype=dtype)
        p = torch.tensor([[1.0], [0.0], [0.7], [0.2]], dtype=dtype)   # right and certain on two
        got = _finite(expect_tensor("loss", student.log_loss(p, y), (), p))
        expect_close("loss", got, ref.log_loss(p, y), say("case", m=4, n=1), atol=1e-5)   # any clamp up to ~1e-6
        wrong = _finite(expect_tensor("loss", student.log_loss(1 - y[:2], y[:2]), (), p))
        if float(wrong) < 5:
            raise Mismatch(say("confident_wrong", value=float(wrong)))
