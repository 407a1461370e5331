"""What the mutation audit (autograder/tools/audit.py) needs to know of Task 2: the names
a student may confuse, and the inputs, with their edges (the spec's sizes, batch 1 and one
feature among them, and (2, 2); both dtypes; predictions of exactly 0 and 1), on which a
mutant is run beside the reference to decide whether it is equivalent."""
from __future__ import annotations

from typing import Any

import torch

from autograder.common.checks import DTYPES
from autograder.grading.spec import make_variables

from . import contract

CONFUSED = {"w": ["b"], "b": ["w"], "p": ["y"], "y": ["p"], "residual": ["p"]}


def cases(ref: dict[str, Any], gen: torch.Generator) -> list[tuple[str, tuple, dict[str, Any]]]:
    """[(fn, args, kwargs)]. ref: the reference's namespace (its functions by name)."""
    reference = type("Reference", (), {k: staticmethod(v) for k, v in ref.items() if callable(v)})
    out = []
    for dtype in DTYPES:
        for sizes in contract.SIZES + [{"m": 2, "n": 2}]:
            for _ in range(3):
                made = make_variables(contract, sizes, gen, dtype, reference)
                out += [(fn, tuple(made[a] for a in contract.SPEC[fn]["args"]), {}) for fn in contract.FUNCTIONS]
        y = torch.tensor([[1.0], [0.0], [1.0], [0.0]], dtype=dtype)
        out.append(("log_loss", (torch.tensor([[1.0], [0.0], [0.7], [0.2]], dtype=dtype), y), {}))
        out.append(("log_loss", (1 - y, y), {}))
    return out
