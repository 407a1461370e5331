"""sgd_step builds a dict of updated parameters but returns the original params dict by mistake.

breaks: sgd_step, training
hint: sgd_unchanged
"""
import torch


def forward(X, params):
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    Z1 = torch.mm(X, W1) + b1
    A1 = torch.relu(Z1)
    Z2 = torch.mm(A1, W2) + b2
    A2 = torch.sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    eps = 1e-7
    p = A2.clamp(eps, 1 - eps)
    return torch.mean(-pos_weight * Y * torch.log(p) - (1 - Y) * torch.log(1 - p))


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    dZ2 = (cache["A2"] * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m
    dW2 = torch.mm(cache["A1"].t(), dZ2)
    db2 = dZ2.sum(0)
    dZ1 = torch.mm(dZ2, params["W2"].t()) * (cache["Z1"] > 0).to(dZ2.dtype)
    dW1 = torch.mm(X.t(), dZ1)
    db1 = dZ1.sum(0)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    new_params = {k: params[k] - lr * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}
    return params
