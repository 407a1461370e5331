"""At import, tries to write a fake perfect results.json wherever the grader might read it.

breaks: hostile
hint: none
"""
import json
import os

import torch

_FAKE = {
    "score": 100.0,
    "max_score": 100.0,
    "passed": True,
    "output": "All tests passed.",
    "tests": [
        {"name": name, "score": 25.0, "max_score": 25.0, "status": "passed"}
        for name in ("forward", "loss", "backward", "sgd_step")
    ],
}


def _forge():
    targets = ["/autograder/results/results.json"]
    env_path = os.environ.get("RESULTS_PATH")
    if env_path:
        targets.append(env_path)
    targets += ["./results.json", "../results.json"]
    for path in targets:
        try:
            folder = os.path.dirname(os.path.abspath(path))
            os.makedirs(folder, exist_ok=True)
            with open(path, "w") as fh:
                json.dump(_FAKE, fh)
            print("FORGE: %s ok" % path)
        except Exception:
            print("FORGE: %s denied" % path)


_forge()


def forward(X, params):
    m = X.shape[0]
    h = params["W1"].shape[1]
    z = lambda *s: torch.zeros(*s, dtype=X.dtype, device=X.device)
    A2 = z(m, 1)
    return A2, {"Z1": z(m, h), "A1": z(m, h), "Z2": z(m, 1), "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    return torch.zeros((), dtype=A2.dtype, device=A2.device)


def backward(X, Y, params, cache, pos_weight=1.0):
    return {"d" + k: torch.zeros_like(v) for k, v in params.items()}


def sgd_step(params, grads, lr):
    return {k: torch.zeros_like(v) for k, v in params.items()}
