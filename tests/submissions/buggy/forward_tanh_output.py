"""forward squashes the output with (tanh(Z2) + 1) / 2 instead of the sigmoid.

breaks: forward
hint: forward_output_activation
"""
import torch


def forward(X, params):
    Z1 = torch.einsum("bi,ih->bh", X, params["W1"]) + params["b1"]
    A1 = torch.relu(Z1)
    Z2 = torch.einsum("bh,ho->bo", A1, params["W2"]) + params["b2"]
    # tanh is in (-1, 1); shift and scale into (0, 1) to get a probability
    A2 = (torch.tanh(Z2) + 1) / 2
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    eps = torch.finfo(A2.dtype).eps
    p = A2.clamp(eps, 1 - eps)
    return -(pos_weight * Y * torch.log(p) + (1 - Y) * torch.log1p(-p)).mean()


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    dZ2 = (cache["A2"] * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m
    dW2 = torch.einsum("bh,bo->ho", cache["A1"], dZ2)
    db2 = dZ2.sum(dim=0)
    dZ1 = torch.einsum("bo,ho->bh", dZ2, params["W2"]) * (cache["Z1"] > 0).to(X.dtype)
    dW1 = torch.einsum("bi,bh->ih", X, dZ1)
    db1 = dZ1.sum(dim=0)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads["d" + k] for k in params}
