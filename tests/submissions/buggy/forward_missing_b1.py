"""forward computes the hidden pre-activation as X @ W1 and forgets the hidden bias b1.

breaks: forward, training
hint: forward_no_bias
"""
import torch
import torch.nn.functional as F


def linear(x, w, b=None):
    out = torch.matmul(x, w)
    if b is not None:
        out = out + b
    return out


def forward(X, params):
    Z1 = linear(X, params["W1"])
    A1 = F.relu(Z1)
    Z2 = linear(A1, params["W2"], params["b2"])
    A2 = torch.sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    eps = torch.finfo(A2.dtype).eps
    p = A2.clamp(eps, 1 - eps)
    return -(pos_weight * Y * torch.log(p) + (1 - Y) * torch.log1p(-p)).mean()


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    dZ2 = (cache["A2"] * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m
    dW2 = torch.matmul(cache["A1"].T, dZ2)
    db2 = dZ2.sum(dim=0)
    dZ1 = torch.matmul(dZ2, params["W2"].T) * (cache["Z1"] > 0).to(X.dtype)
    dW1 = torch.matmul(X.T, dZ1)
    db1 = dZ1.sum(dim=0)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads["d" + k] for k in params}
