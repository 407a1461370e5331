"""What the mutation audit (autograder/tools/audit.py) needs to know of Task 2: the names
a student may confuse, and the inputs, with their edges (batch 1, one feature, both
dtypes, predictions of exactly 0 and 1), on which a mutant is run beside the reference
to decide whether it is equivalent."""
from __future__ import annotations

from typing import Any

import torch

from . import task

CONFUSED = {"w": ["b"], "b": ["w"], "p": ["y"], "y": ["p"], "residual": ["p"]}


def cases(ref: dict[str, Any], gen: torch.Generator) -> list[tuple[str, tuple, dict[str, Any]]]:
    """[(fn, args, kwargs)]. ref: the reference's namespace (its functions by name)."""
    out = []
    for dtype in task.DTYPES:
        for m, n in task.SIZES + [(2, 2)]:
            for _ in range(3):
                X, y, w, b = task.make_case(gen, m, n, dtype)
                p = ref["predict"](X, w, b)
                out += [("predict", (X, w, b), {}), ("log_loss", (p, y), {}), ("loss_grad", (X, y, p), {})]
        y = torch.tensor([[1.0], [0.0], [1.0], [0.0]], dtype=dtype)
        out.append(("log_loss", (torch.tensor([[1.0], [0.0], [0.7], [0.2]], dtype=dtype), y), {}))
        out.append(("log_loss", (1 - y, y), {}))
    return out
