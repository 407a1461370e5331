"""The audit's inputs for softmax: the spec's, and logits large enough to overflow exp()."""
import torch

from autograder.grading.spec import audit_cases

from . import contract

CONFUSED = {}


def cases(ref, gen):
    out = audit_cases(contract, ref, gen)
    for dtype in (torch.float64, torch.float32):
        Z = torch.tensor([[1000.0, -1000.0, 0.0, 5.0], [-5.0, 5.0, 990.0, 0.0], [3.0, 1.0, -2.0, 0.5]], dtype=dtype)
        out.append(("cross_entropy", (Z, torch.tensor([0, 2, 1])), {}))
        out.append(("cross_entropy", (Z + 1000, torch.tensor([0, 2, 1])), {}))
    return out
