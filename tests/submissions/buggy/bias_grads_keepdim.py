"""Backward sums the bias gradients with keepdim=True, so db1 is (1, h) and db2 is (1, 1).

breaks: backward, training
hint: bias_grad_2d
"""
import torch


def forward(X, params):
    Z1 = X.matmul(params["W1"]) + params["b1"]
    A1 = Z1.clamp(min=0)
    Z2 = A1.matmul(params["W2"]) + params["b2"]
    A2 = Z2.sigmoid()
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    eps = torch.finfo(A2.dtype).eps
    p = A2.clamp(eps, 1 - eps)
    return -(pos_weight * Y * torch.log(p) + (1 - Y) * torch.log1p(-p)).mean()


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    dZ2 = (cache["A2"] * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m
    dW2 = cache["A1"].T.matmul(dZ2)
    db2 = dZ2.sum(dim=0, keepdim=True)
    dZ1 = dZ2.matmul(params["W2"].T) * (cache["Z1"] > 0).to(X.dtype)
    dW1 = X.T.matmul(dZ1)
    db1 = dZ1.sum(dim=0, keepdim=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    out = {}
    for k in ("W1", "b1", "W2", "b2"):
        out[k] = params[k] - lr * grads["d" + k].reshape(params[k].shape)
    return out
