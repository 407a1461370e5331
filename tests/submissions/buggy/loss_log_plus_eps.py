"""The loss adds a constant inside the logs, log(A2 + 1e-8), instead of clamping: finite
at 0 and 1, but every term shifts by about 1e-8 / A2, a thousandth where a wrong prediction
is 1e-5 from 0 or 1 (decided a mistake: HANDOUT §2).

breaks: loss
hint: loss_additive_eps
"""
import torch


def forward(X, params):
    Z1 = X @ params["W1"] + params["b1"]
    A1 = torch.relu(Z1)
    Z2 = A1 @ params["W2"] + params["b2"]
    A2 = torch.sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    eps = 1e-8   # keeps log away from log(0)
    return -torch.mean(pos_weight * Y * torch.log(A2 + eps) + (1 - Y) * torch.log(1 - A2 + eps))


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    dZ2 = (cache["A2"] * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m
    dW2 = cache["A1"].T @ dZ2
    db2 = dZ2.sum(dim=0)
    dZ1 = (dZ2 @ params["W2"].T) * (cache["Z1"] > 0).to(dZ2.dtype)
    return {"dW1": X.T @ dZ1, "db1": dZ1.sum(dim=0), "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}
