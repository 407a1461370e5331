"""Backward squeezes the ReLU mask with torch.squeeze: with one hidden unit the (m,) mask
broadcasts against dA1 (m, 1) into (m, m), and dW1 comes out (n, m) instead of (n, 1).

breaks: backward
hint: grad_size_one
"""
import torch


def forward(X, params):
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
    grads = {}
    dZ2 = (cache["A2"] * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m
    grads["dW2"] = torch.mm(cache["A1"].t(), dZ2)
    grads["db2"] = dZ2.sum(0)
    relu_grad = torch.squeeze((cache["Z1"] > 0).to(X.dtype))
    dZ1 = torch.mm(dZ2, params["W2"].t()) * relu_grad
    grads["dW1"] = torch.mm(X.t(), dZ1)
    grads["db1"] = dZ1.sum(0)
    return grads


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}

