"""Backward accumulates gradients into torch.zeros(...) created without a dtype, so float64 inputs give float32 gradients.

breaks: backward
hint: wrong_dtype
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
    m, n_in = X.shape
    h = params["W1"].shape[1]
    dW1 = torch.zeros(n_in, h)
    db1 = torch.zeros(h)
    dW2 = torch.zeros(h, 1)
    db2 = torch.zeros(1)
    for i in range(m):
        x, y = X[i], Y[i]
        a1, z1, a2 = cache["A1"][i], cache["Z1"][i], cache["A2"][i]
        dz2 = (a2 * (pos_weight * y + 1 - y) - pos_weight * y) / m   # shape (1,)
        dW2 += torch.outer(a1, dz2)
        db2 += dz2
        dz1 = dz2 * params["W2"][:, 0] * (z1 > 0)
        dW1 += torch.outer(x, dz1)
        db1 += dz1
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads["d" + k] for k in params}
