"""A correct solution that averages last: per-example gradients, then their mean.

breaks: none
"""
import torch


def predict(X, w, b):
    return torch.sigmoid(X @ w + b)


def log_loss(p, y):
    p = p.clamp(min=1e-7, max=1 - 1e-7)
    return torch.mean(-y * p.log() - (1 - y) * (1 - p).log())


def loss_grad(X, y, p):
    r = p - y                       # (m, 1)
    per_example = X * r             # (m, n): each example's gradient of w
    return {"dw": per_example.mean(dim=0).reshape(-1, 1), "db": r.mean(dim=0)}
