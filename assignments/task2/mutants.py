"""What the mutation audit (autograder/tools/audit.py) needs to know of Task 2: the names
a student may confuse, and the inputs on which a mutant is run beside the reference to
decide whether it is equivalent: the spec's (grading/spec.py audit_cases: its sizes and
(2, 2), both dtypes) and predictions of exactly 0 and 1."""
from __future__ import annotations

from typing import Any

import torch

from autograder.common.checks import DTYPES
from autograder.grading.spec import audit_cases

from . import contract

CONFUSED = {"w": ["b"], "b": ["w"], "p": ["y"], "y": ["p"], "residual": ["p"]}


def cases(ref: dict[str, Any], gen: torch.Generator) -> list[tuple[str, tuple, dict[str, Any]]]:
    """[(fn, args, kwargs)]. ref: the reference's namespace (its functions by name)."""
    out = audit_cases(contract, ref, gen, extra_sizes=[{"m": 2, "n": 2}])
    for dtype in DTYPES:
        y = torch.tensor([[1.0], [0.0], [1.0], [0.0]], dtype=dtype)
        out.append(("log_loss", (torch.tensor([[1.0], [0.0], [0.7], [0.2]], dtype=dtype), y), {}))
        out.append(("log_loss", (1 - y, y), {}))
    return out
