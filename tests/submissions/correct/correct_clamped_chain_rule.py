"""Correct solution whose backward follows the chain rule through dL/dA2 step by step,
clamping A2 before dividing by it. Where A2 is exactly 0 or 1 its dZ2 is 0 (the derivative
of the clamped loss), which the grader accepts there; elsewhere it equals the closed form.

breaks: none
hint: none
"""
import torch


def forward(X, params):
    Z1 = X @ params["W1"] + params["b1"]
    A1 = torch.relu(Z1)
    Z2 = A1 @ params["W2"] + params["b2"]
    A2 = torch.sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    eps = torch.finfo(A2.dtype).eps
    p = A2.clamp(eps, 1 - eps)
    return -(pos_weight * Y * torch.log(p) + (1 - Y) * torch.log(1 - p)).mean()


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    A2 = cache["A2"]
    eps = torch.finfo(A2.dtype).eps
    p = A2.clamp(eps, 1 - eps)                           # the loss's own clamp, so no 0/0
    dA2 = (-pos_weight * Y / p + (1 - Y) / (1 - p)) / m  # dL/dA2 of the mean loss
    dZ2 = dA2 * A2 * (1 - A2)                            # sigmoid'(Z2) from its output
    dW2 = cache["A1"].T @ dZ2
    db2 = dZ2.sum(dim=0)
    dA1 = dZ2 @ params["W2"].T
    dZ1 = dA1 * (cache["Z1"] > 0).to(dA1.dtype)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(dim=0)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}
