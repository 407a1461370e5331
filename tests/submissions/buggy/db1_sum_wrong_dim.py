"""Backward sums dZ1 over the hidden units (dim=1) instead of over the batch for db1.

breaks: backward, training
hint: bias_grad_wrong_axis
"""
import torch


def forward(X, params):
    hidden_in = X @ params["W1"] + params["b1"]
    hidden_out = torch.where(hidden_in > 0, hidden_in, torch.zeros_like(hidden_in))
    logits = hidden_out @ params["W2"] + params["b2"]
    probs = torch.sigmoid(logits)
    return probs, {"Z1": hidden_in, "A1": hidden_out, "Z2": logits, "A2": probs}


def bce_loss(A2, Y, pos_weight=1.0):
    eps = torch.finfo(A2.dtype).eps
    p = A2.clamp(eps, 1.0 - eps)
    return -(pos_weight * Y * p.log() + (1.0 - Y) * (1.0 - p).log()).mean()


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    dZ2 = (cache["A2"] * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m
    dW2 = cache["A1"].T @ dZ2
    db2 = dZ2.sum(dim=0)
    dA1 = dZ2 @ params["W2"].T
    dZ1 = dA1 * (cache["Z1"] > 0).to(dA1.dtype)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(dim=1)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    return {k: v - lr * grads["d" + k] for k, v in params.items()}
