"""Correct solution that stores extra cache entries and updates the parameters in place.

breaks: none
hint: none
"""
import torch


def forward(X, params):
    Z1 = X @ params["W1"] + params["b1"]
    mask = (Z1 > 0).type_as(Z1)
    A1 = Z1 * mask
    Z2 = A1 @ params["W2"] + params["b2"]
    A2 = 1.0 / (1.0 + torch.exp(-Z2))
    cache = {"X": X, "Z1": Z1, "mask": mask, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


def bce_loss(A2, Y, pos_weight=1.0):
    eps = 1e-7
    A2 = torch.clamp(A2, min=eps, max=1 - eps)
    loss = -(pos_weight * Y * torch.log(A2) + (1 - Y) * torch.log(1 - A2))
    return torch.mean(loss)


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    # rebuild the mask from the Z1 we were handed, not from anything stale
    mask = (cache["Z1"] > 0).type_as(cache["Z1"])
    dZ2 = (cache["A2"] * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m
    dW2 = cache["A1"].T @ dZ2
    db2 = torch.sum(dZ2, dim=0)
    dZ1 = (dZ2 @ params["W2"].T) * mask
    dW1 = X.T @ dZ1
    db1 = torch.sum(dZ1, dim=0)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    with torch.no_grad():
        for name, p in params.items():
            p.sub_(lr * grads["d" + name])
    return params
