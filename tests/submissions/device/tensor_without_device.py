"""backward builds its ReLU mask from torch.ones(Z1.shape, dtype=Z1.dtype): made without
device=, that tensor is on the CPU whatever the inputs are on. Right on a CPU; on a GPU
torch.where refuses to mix cuda and cpu tensors, so only the device test 3.8 and the
training on a GPU (5.2) fail.

breaks: backward, training
fails: 3.8, 5.2
hint: tensor_without_device
"""
import torch


def forward(X, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    Z1 = torch.mm(X, W1) + b1
    A1 = Z1.clamp(min=0)
    Z2 = torch.mm(A1, W2) + b2
    A2 = torch.sigmoid(Z2)
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


def bce_loss(A2, Y, pos_weight=1.0):
    tiny = torch.finfo(A2.dtype).eps
    yhat = A2.clamp(tiny, 1.0 - tiny)
    pos = pos_weight * Y * torch.log(yhat)
    neg = (1.0 - Y) * torch.log(1.0 - yhat)
    return -(pos + neg).mean()


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    A1, A2, Z1 = cache["A1"], cache["A2"], cache["Z1"]
    # weighted BCE + sigmoid collapses to this
    dZ2 = (A2 * (pos_weight * Y + 1.0 - Y) - pos_weight * Y) / m
    dW2 = torch.mm(A1.t(), dZ2)
    db2 = dZ2.sum(0)
    dA1 = torch.mm(dZ2, params["W2"].t())
    # ReLU': a mask of ones where Z1 > 0, built from a fresh tensor of ones
    ones = torch.ones(Z1.shape, dtype=Z1.dtype)
    dZ1 = dA1 * torch.where(Z1 > 0, ones, 0.0)
    dW1 = torch.mm(X.t(), dZ1)
    db1 = dZ1.sum(0)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    updated = {}
    for name in ["W1", "b1", "W2", "b2"]:
        updated[name] = params[name] - lr * grads["d" + name]
    return updated
