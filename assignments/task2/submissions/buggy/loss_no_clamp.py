"""log_loss takes the log of p unclamped: infinite where p is exactly 0 or 1.

breaks: loss
"""
import torch


def predict(X, w, b):
    return torch.sigmoid(X @ w + b)


def log_loss(p, y):
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()


def loss_grad(X, y, p):
    r = (p - y) / X.shape[0]
    return {"dw": X.T @ r, "db": r.sum(dim=0)}
