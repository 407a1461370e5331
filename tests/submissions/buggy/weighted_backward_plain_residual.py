"""Backward uses dZ2 = (A2 - Y) / m and so ignores pos_weight (right only when pos_weight is 1).

breaks: backward
hint: weighted_grad_ignores_weight
"""
import torch


def forward(X, params):
    Z1 = X @ params["W1"] + params["b1"]
    A1 = torch.maximum(Z1, torch.zeros_like(Z1))
    Z2 = A1 @ params["W2"] + params["b2"]
    A2 = torch.sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    eps = torch.finfo(A2.dtype).eps
    A2c = A2.clamp(eps, 1 - eps)
    loss = -(pos_weight * Y * torch.log(A2c) + (1 - Y) * torch.log(1 - A2c))
    return loss.mean()


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    # sigmoid + BCE: the famous (yhat - y)
    dZ2 = (cache["A2"] - Y) / m
    dW2 = cache["A1"].T @ dZ2
    db2 = dZ2.sum(dim=0)
    dZ1 = (dZ2 @ params["W2"].T) * (cache["Z1"] > 0).to(dZ2.dtype)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(dim=0)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}
