"""Correct solution that leaves debugging print statements in every function.

breaks: none
hint: none
"""
import torch

DEBUG = True


def log(*args):
    if DEBUG:
        print("[mlp]", *args)


def forward(X, params):
    log("forward: X", tuple(X.shape), X.dtype)
    Z1 = X @ params["W1"] + params["b1"]
    A1 = torch.relu(Z1)
    Z2 = A1 @ params["W2"] + params["b2"]
    A2 = torch.sigmoid(Z2)
    log("forward: A2 range", float(A2.min()), float(A2.max()))
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    e = torch.finfo(A2.dtype).eps
    p = A2.clamp(e, 1 - e)
    value = -(pos_weight * Y * p.log() + (1 - Y) * (-p).log1p()).mean()
    log("loss:", float(value), "pos_weight =", pos_weight)
    return value


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    dZ2 = (cache["A2"] * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m
    log("backward: dZ2 norm", float(dZ2.norm()))
    dW2 = cache["A1"].T @ dZ2
    db2 = dZ2.sum(dim=0)
    dA1 = dZ2 @ params["W2"].T
    dZ1 = dA1 * (cache["Z1"] > 0)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(dim=0)
    for k, v in (("dW1", dW1), ("db1", db1), ("dW2", dW2), ("db2", db2)):
        log("backward:", k, tuple(v.shape))
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    log("sgd_step: lr =", lr)
    new_params = {}
    for k in params:
        new_params[k] = params[k] - lr * grads["d" + k]
        log("sgd_step:", k, "moved by", float((new_params[k] - params[k]).abs().max()))
    return new_params
