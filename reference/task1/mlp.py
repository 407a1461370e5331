"""Hidden reference solution for Task 1. Never shipped to students.

Two-layer MLP: Linear -> ReLU -> Linear -> Sigmoid, weighted binary cross-entropy,
hand-written backpropagation and one SGD step. Shapes:
    X (m, n_in)   W1 (n_in, h)   b1 (h,)   W2 (h, 1)   b2 (1,)   Y (m, 1)
"""
import torch


def forward(X, params):
    Z1 = X @ params["W1"] + params["b1"]          # (m, h)
    A1 = torch.clamp(Z1, min=0)                   # ReLU
    Z2 = A1 @ params["W2"] + params["b2"]         # (m, 1)
    A2 = torch.sigmoid(Z2)                        # y_hat
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    # Clamp keeps log finite when y_hat is exactly 0 or 1.
    eps = torch.finfo(A2.dtype).eps
    p = A2.clamp(eps, 1 - eps)
    per_example = pos_weight * Y * torch.log(p) + (1 - Y) * torch.log1p(-p)
    return -per_example.mean()


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    A1, A2, Z1 = cache["A1"], cache["A2"], cache["Z1"]
    # dL/dZ2 for weighted BCE through a sigmoid: y_hat*(w*y + 1 - y) - w*y, then the mean's 1/m.
    dZ2 = (A2 * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m   # (m, 1)
    dW2 = A1.T @ dZ2                                               # (h, 1)
    db2 = dZ2.sum(dim=0)                                           # (1,)
    dA1 = dZ2 @ params["W2"].T                                     # (m, h)
    dZ1 = dA1 * (Z1 > 0).to(dA1.dtype)                             # ReLU'(0) = 0
    dW1 = X.T @ dZ1                                                # (n_in, h)
    db1 = dZ1.sum(dim=0)                                           # (h,)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}
