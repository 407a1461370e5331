"""loss_grad never divides by the batch size: every gradient is m times too large.

breaks: grad
hint: lr_grad_missing_mean
"""
import torch


def predict(X, w, b):
    return torch.sigmoid(X @ w + b)


def log_loss(p, y):
    p = p.clamp(1e-7, 1 - 1e-7)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()


def loss_grad(X, y, p):
    r = p - y
    return {"dw": X.T @ r, "db": r.sum(dim=0)}
