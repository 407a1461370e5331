"""Backward writes dL/dA2 as one fraction over A2 (1 - A2), then multiplies by the
sigmoid's derivative computed from Z2: on paper the factor cancels, in floating point it
is 0/0 where A2 is exactly 0 or 1.

breaks: backward
hint: backward_saturated
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
    return -(pos_weight * Y * torch.log(p) + (1 - Y) * torch.log1p(-p)).mean()


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    Z2, A2 = cache["Z2"], cache["A2"]
    w = pos_weight
    dL_dA2 = (A2 * (w * Y + 1 - Y) - w * Y) / (A2 * (1 - A2))
    s = torch.sigmoid(Z2)
    dZ2 = dL_dA2 * s * (1 - s) / m
    grads = {"dW2": torch.mm(cache["A1"].t(), dZ2), "db2": dZ2.sum(0)}
    dZ1 = torch.mm(dZ2, params["W2"].t()) * (cache["Z1"] > 0)
    grads["dW1"] = torch.mm(X.t(), dZ1)
    grads["db1"] = dZ1.sum(0)
    return grads


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}

