"""Backward sums the bias gradients with keepdim and squeezes them back: right for db2
(squeeze(0)), but db1.squeeze() has shape () instead of (1,) when there is one hidden unit.

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
    Z1, A1, A2 = cache["Z1"], cache["A1"], cache["A2"]
    dZ2 = (A2 * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m
    dW2 = torch.matmul(A1.transpose(0, 1), dZ2)
    db2 = torch.sum(dZ2, dim=0, keepdim=True).squeeze(0)
    dA1 = torch.matmul(dZ2, params["W2"].transpose(0, 1))
    dZ1 = dA1 * torch.where(Z1 > 0, torch.ones_like(Z1), torch.zeros_like(Z1))
    dW1 = torch.matmul(X.transpose(0, 1), dZ1)
    db1 = torch.sum(dZ1, dim=0, keepdim=True).squeeze()
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}

