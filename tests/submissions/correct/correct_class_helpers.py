"""Correct solution organised around a small Linear helper class and activation helpers.

breaks: none
hint: none
"""
import torch


class Linear:
    """y = x W + b, with the matching backward."""

    def __init__(self, W, b):
        self.W = W
        self.b = b

    def __call__(self, x):
        return x @ self.W + self.b

    def grads(self, x_in, d_out):
        dW = x_in.T @ d_out
        db = d_out.sum(dim=0)
        dx = d_out @ self.W.T
        return dW, db, dx


def relu(z):
    return torch.maximum(z, torch.zeros_like(z))


def relu_prime(z):
    return (z > 0).to(dtype=z.dtype)


def sigmoid(z):
    return torch.sigmoid(z)


def forward(X, params):
    layer1 = Linear(params["W1"], params["b1"])
    layer2 = Linear(params["W2"], params["b2"])
    Z1 = layer1(X)
    A1 = relu(Z1)
    Z2 = layer2(A1)
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    eps = torch.finfo(A2.dtype).eps
    p = A2.clamp(eps, 1 - eps)
    return -torch.mean(pos_weight * Y * torch.log(p) + (1 - Y) * torch.log1p(-p))


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    layer1 = Linear(params["W1"], params["b1"])
    layer2 = Linear(params["W2"], params["b2"])
    dZ2 = (cache["A2"] * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m
    dW2, db2, dA1 = layer2.grads(cache["A1"], dZ2)
    dZ1 = dA1 * relu_prime(cache["Z1"])
    dW1, db1, _ = layer1.grads(X, dZ1)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    return {name: params[name] - lr * grads["d" + name] for name in ("W1", "b1", "W2", "b2")}
