"""forward fills its folder: up to 20 files of 4 MB (the largest one file may be) and 3000
small ones, then answers. The grader must bound what it writes in all. Everything else is
correct.

breaks: hostile
hint: none
"""
import os

import torch

def forward(X, params):
    block = b"x" * (1 << 20)
    for i in range(20):
        with open(f"big{i}.bin", "wb") as f:
            for _ in range(4):
                f.write(block)
    for i in range(3000):
        with open(f"small{i}.txt", "w") as f:
            f.write("x")
    Z1 = X @ params["W1"] + params["b1"]
    A1 = torch.relu(Z1)
    Z2 = A1 @ params["W2"] + params["b2"]
    A2 = torch.sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    eps = torch.finfo(A2.dtype).eps
    p = A2.clamp(eps, 1 - eps)
    return -(pos_weight * Y * torch.log(p) + (1 - Y) * torch.log1p(-p)).mean()


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    dZ2 = (cache["A2"] * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m
    dW2 = cache["A1"].T @ dZ2
    db2 = dZ2.sum(dim=0)
    dZ1 = (dZ2 @ params["W2"].T) * (cache["Z1"] > 0).to(X.dtype)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(dim=0)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}
