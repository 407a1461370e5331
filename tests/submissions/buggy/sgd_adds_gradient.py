"""sgd_step adds lr * grad to the parameters (gradient ascent) instead of subtracting it.

breaks: sgd_step, training
hint: sgd_sign_flipped
"""
import torch


def forward(X, params):
    Z1 = X @ params["W1"] + params["b1"]
    A1 = torch.clamp(Z1, min=0)
    Z2 = A1 @ params["W2"] + params["b2"]
    A2 = torch.sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    eps = torch.finfo(A2.dtype).eps
    p = torch.clamp(A2, eps, 1 - eps)
    return -(pos_weight * Y * torch.log(p) + (1 - Y) * torch.log1p(-p)).mean()


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    dZ2 = (cache["A2"] * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m
    dZ1 = (dZ2 @ params["W2"].T) * (cache["Z1"] > 0).to(X.dtype)
    return {
        "dW1": X.T @ dZ1,
        "db1": dZ1.sum(dim=0),
        "dW2": cache["A1"].T @ dZ2,
        "db2": dZ2.sum(dim=0),
    }


def sgd_step(params, grads, lr):
    stepped = {}
    for key, value in params.items():
        stepped[key] = value + lr * grads["d" + key]
    return stepped
