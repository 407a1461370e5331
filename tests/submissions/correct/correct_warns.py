"""Correct solution that prints where it lives and raises a warning: the student must see
"mlp.py" in both, never the grader's scratch folder.

breaks: none
hint: none
"""
import warnings

import torch

print(f"loading {__file__}")


def forward(X, params):
    warnings.warn("forward: using torch.relu")
    Z1 = X @ params["W1"] + params["b1"]
    A1 = torch.relu(Z1)
    Z2 = A1 @ params["W2"] + params["b2"]
    A2 = torch.sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    eps = torch.finfo(A2.dtype).eps
    p = A2.clamp(eps, 1 - eps)
    return -(pos_weight * Y * torch.log(p) + (1 - Y) * torch.log1p(-p)).mean()


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    A2 = cache["A2"]
    dZ2 = (A2 * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m
    dZ1 = (dZ2 @ params["W2"].T) * (cache["Z1"] > 0).to(X.dtype)
    return {"dW1": X.T @ dZ1, "db1": dZ1.sum(dim=0), "dW2": cache["A1"].T @ dZ2, "db2": dZ2.sum(dim=0)}


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}
