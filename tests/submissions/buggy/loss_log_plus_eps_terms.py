"""The loss keeps each log finite with its own added constant, 1e-7, computed term by term
with torch.add: the same shift as log(A2 + eps), larger.

breaks: loss
hint: loss_additive_eps
"""
import torch


def forward(X, params):
    Z1 = torch.addmm(params["b1"], X, params["W1"])
    A1 = Z1.clamp(min=0)
    Z2 = torch.addmm(params["b2"], A1, params["W2"])
    A2 = 1 / (1 + torch.exp(-Z2))
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    log_p = torch.log(torch.add(A2, 1e-7))
    log_not_p = torch.log(torch.add(1 - A2, 1e-7))
    per_example = pos_weight * Y * log_p + (1 - Y) * log_not_p
    return -per_example.sum() / A2.shape[0]


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    w = pos_weight
    dZ2 = (cache["A2"] * (w * Y + 1 - Y) - w * Y) / m
    dZ1 = torch.mm(dZ2, params["W2"].t()) * (cache["Z1"] > 0)
    return {"dW1": torch.mm(X.t(), dZ1), "db1": dZ1.sum(0),
            "dW2": torch.mm(cache["A1"].t(), dZ2), "db2": dZ2.sum(0)}


def sgd_step(params, grads, lr):
    return {k: v - lr * grads["d" + k] for k, v in params.items()}
