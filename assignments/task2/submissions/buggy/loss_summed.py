"""log_loss sums over the batch instead of taking the mean.

breaks: loss
hint: lr_loss_summed
"""
import torch


def predict(X, w, b):
    return torch.sigmoid(X @ w + b)


def log_loss(p, y):
    p = p.clamp(1e-7, 1 - 1e-7)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).sum()


def loss_grad(X, y, p):
    r = (p - y) / X.shape[0]
    return {"dw": X.T @ r, "db": r.sum(dim=0)}
