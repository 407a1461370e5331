"""Backward divides dZ2 by m and then averages the weight and bias gradients over m again.

breaks: backward, training
hint: grad_double_mean
"""
import torch


def forward(X, params):
    z1 = torch.mm(X, params["W1"]) + params["b1"]
    a1 = z1.clamp(min=0)
    z2 = torch.mm(a1, params["W2"]) + params["b2"]
    a2 = torch.sigmoid(z2)
    return a2, {"Z1": z1, "A1": a1, "Z2": z2, "A2": a2}


def bce_loss(A2, Y, pos_weight=1.0):
    eps = 1e-7
    A2 = A2.clamp(eps, 1 - eps)
    per_sample = pos_weight * Y * torch.log(A2) + (1 - Y) * torch.log(1 - A2)
    return -per_sample.mean()


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    dz2 = (cache["A2"] * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m
    # average over the batch like in the lecture notes
    dW2 = torch.mm(cache["A1"].t(), dz2) / m
    db2 = dz2.sum(dim=0) / m
    da1 = torch.mm(dz2, params["W2"].t())
    dz1 = da1 * (cache["Z1"] > 0).type_as(da1)
    dW1 = torch.mm(X.t(), dz1) / m
    db1 = dz1.sum(dim=0) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    new = {}
    for name in params:
        new[name] = params[name] - lr * grads["d" + name]
    return new
