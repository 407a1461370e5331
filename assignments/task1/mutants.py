"""What the mutation audit (autograder/tools/audit.py) needs to know of Task 1: the names
a student may confuse (each mutant may swap one for a partner), and the inputs, with their
edges, on which a mutant is run beside the reference to decide whether it is equivalent
(batch 1, exact zeros, one class only, predictions of exactly 0 and 1, both dtypes, every
pos_weight and pos_weight left out, several learning rates)."""
from __future__ import annotations

from typing import Any

import torch

from . import task

LEFT_OUT = object()

# Names (and dict keys) a student may confuse: each is swapped for its partners.
CONFUSED = {"Z1": ["A1"], "A1": ["Z1", "X"], "Z2": ["A2"], "A2": ["Z2", "Y"], "Y": ["A2"], "X": ["A1"],
            "dZ2": ["dA1"], "dA1": ["dZ2", "dZ1"], "dZ1": ["dA1"], "W1": ["W2"], "W2": ["W1"],
            "b1": ["b2"], "b2": ["b1"], "p": ["A2"]}


def cases(ref: dict[str, Any], gen: torch.Generator) -> list[tuple[str, tuple, dict[str, Any]]]:
    """Inputs for each function, with the edges: [(fn, args, kwargs)]. ref: the
    reference's namespace (its functions by name)."""
    cases = []
    for dtype in task.DTYPES:
        for m, n, h in task.SIZES + [(1, 2, 1), (2, 3, 2)]:
            for rep in range(3):
                X, Y, params = task.make_case(gen, m, n, h, dtype)
                if rep == 1:
                    X, params = task.with_exact_zeros(X, params)
                if rep == 2 and m > 1:
                    Y = torch.zeros_like(Y) if m % 2 else torch.ones_like(Y)   # one class only
                A2, cache = ref["forward"](X, params)
                cases.append(("forward", (X, params), {}))
                for w in (1.0, 3.0, 0.5, LEFT_OUT):
                    kw = {} if w is LEFT_OUT else {"pos_weight": w}
                    cases.append(("bce_loss", (A2, Y), kw))
                    cases.append(("backward", (X, Y, params, cache), kw))
                grads = ref["backward"](X, Y, params, cache, 3.0)
                for lr in (0.1, 1.0, 0.01):
                    cases.append(("sgd_step", (params, grads, lr), {}))
        for w in (1.0, 3.0):
            A2, Y = task.saturated_case(_Ref(ref), gen, dtype)
            cases.append(("bce_loss", (A2, Y), {"pos_weight": w}))
            wrong = torch.tensor([[1.0], [0.0]], dtype=dtype)
            cases.append(("bce_loss", (1 - wrong, wrong), {"pos_weight": w}))
    return cases


class _Ref:
    def __init__(self, namespace: dict[str, Any]) -> None:
        self.forward = namespace["forward"]


