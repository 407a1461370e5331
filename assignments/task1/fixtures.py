"""Self-check fixtures: inputs and the reference's outputs on fixed seeds, shipped in the
handout as starter/task1/fixtures/selfcheck.pt: a dict of plain tensors, numbers and strings
saved with torch.save, which the self-check reads back with torch.load(weights_only=True)
(no code, and nothing to install beyond torch).

    python -m autograder fixtures     # after changing the reference or task.SIZES
"""
from pathlib import Path

import torch

from autograder.assignment import load, load_reference

from . import task

TASK = load(Path(__file__).resolve().parent.name)
FIXTURES = TASK.starter / "fixtures" / "selfcheck.pt"
REFERENCE = TASK.reference
WEIGHTS = (1.0, 3.0, 0.5)
LR = 0.1


def build_fixtures(seed: int = 2024) -> tuple[dict[str, torch.Tensor], dict[str, float | list[float]]]:
    """{name: tensor} for every self-check case, and its metadata."""
    ref, gen, t = load_reference(REFERENCE), torch.Generator().manual_seed(seed), {}
    for i, (m, n, h) in enumerate(task.SIZES):
        X, Y, params = task.make_case(gen, m, n, h)
        if i == 0:
            X, params = task.with_exact_zeros(X, params)   # ReLU'(0) = 0 is checked too
        A2, cache = ref.forward(X, params)
        t.update({f"{i}.X": X, f"{i}.Y": Y, **{f"{i}.{k}": v for k, v in params.items()},
                  **{f"{i}.cache.{k}": v for k, v in cache.items()}})
        for w in WEIGHTS:
            t[f"{i}.loss.{w}"] = ref.bce_loss(A2, Y, w)
            grads = ref.backward(X, Y, params, cache, w)
            t.update({f"{i}.grads.{w}.{k}": v for k, v in grads.items()})
        new = ref.sgd_step(params, ref.backward(X, Y, params, cache, 1.0), LR)
        t.update({f"{i}.sgd.{k}": v for k, v in new.items()})
    for dtype in task.DTYPES:   # predictions exactly 0 or 1 (task.saturated_case)
        A2, Y = task.saturated_case(ref, gen, dtype)
        name = str(dtype)[6:]
        t.update({f"saturated.{name}.A2": A2, f"saturated.{name}.Y": Y,
                  f"saturated.{name}.loss": ref.bce_loss(A2, Y, task.SATURATED_WEIGHT)})
    for dtype in task.DTYPES:   # backward where A2 is exactly 0 or 1, and what is accepted there
        X, Y, params, cache = task.saturated_backward_case(ref, gen, dtype)
        name = str(dtype)[6:]
        accepted = task.saturated_alternatives(ref.backward, X, Y, params, cache, task.SATURATED_WEIGHT)
        t.update({f"saturated_backward.{name}.X": X, f"saturated_backward.{name}.Y": Y,
                  **{f"saturated_backward.{name}.{k}": v for k, v in params.items()},
                  **{f"saturated_backward.{name}.cache.{k}": v for k, v in cache.items()},
                  **{f"saturated_backward.{name}.accepted.{i}.{k}": v
                     for i, grads in enumerate(accepted) for k, v in grads.items()}})
    meta = {"cases": len(task.SIZES), "weights": list(WEIGHTS), "lr": LR}
    return {k: v.contiguous() for k, v in t.items()}, meta


def write_fixtures(path: Path = FIXTURES) -> Path:
    tensors, meta = build_fixtures()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"meta": meta, "tensors": tensors}, path)
    path.chmod(0o644)
    return path
