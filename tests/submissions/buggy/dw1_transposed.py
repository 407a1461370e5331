"""Backward computes dW1 as dZ1.T @ X, which is the transpose of the right gradient.

breaks: backward, training
hint: grad_transposed
"""
import torch
import torch.nn.functional as F


def forward(X, params):
    Z1 = X @ params["W1"] + params["b1"]
    A1 = F.relu(Z1)
    Z2 = A1 @ params["W2"] + params["b2"]
    A2 = torch.sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    eps = torch.finfo(A2.dtype).eps
    yhat = torch.clamp(A2, eps, 1 - eps)
    return torch.mean(-(pos_weight * Y * torch.log(yhat) + (1 - Y) * torch.log1p(-yhat)))


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    dZ2 = (cache["A2"] * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m
    dW2 = cache["A1"].T @ dZ2
    db2 = dZ2.sum(dim=0)
    dZ1 = (dZ2 @ params["W2"].T) * (cache["Z1"] > 0)
    dW1 = dZ1.T @ X
    db1 = dZ1.sum(dim=0)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    return {
        "W1": params["W1"] - lr * grads["dW1"],
        "b1": params["b1"] - lr * grads["db1"],
        "W2": params["W2"] - lr * grads["dW2"],
        "b2": params["b2"] - lr * grads["db2"],
    }
