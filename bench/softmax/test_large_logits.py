"""cross_entropy at large logits: finite and right. STRONG adds rows of mixed sign with a
spread within a row, and a row far below the others; without them every row is only
shifted by 1000 (bench/audit_softmax.py writes one version or the other)."""
import torch
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from autograder.common.checks import DTYPES, expect_close, expect_tensor

STRONG = True


@weight(5)
@number("2.5")
@tags("cross_entropy")
def test_cross_entropy_large_logits(student, ref, gen):
    """cross_entropy: stays finite and right at large logits
    zh: cross_entropy：logits 很大时仍是有限值且正确
    """
    for dtype in DTYPES:
        Z = torch.randn(6, 4, generator=gen, dtype=dtype) + 1000
        if STRONG:
            Z[0] = torch.tensor([1000.0, -1000.0, 0.0, 5.0])
            Z[1] = torch.tensor([-5.0, 5.0, 990.0, 0.0])
            Z[2] = torch.tensor([-1000.0, -998.0, -1003.0, -995.0])
        y = torch.tensor([0, 1, 2, 3, 0, 1])
        got = expect_tensor("loss", student.cross_entropy(Z, y), (), Z)
        expect_close("loss", got, ref.cross_entropy(Z, y), " [large logits]")
