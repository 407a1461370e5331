"""loss_grad subtracts y from p in place, changing the caller's predictions.

breaks: grad
hint: modified_input
"""
import torch


def predict(X, w, b):
    return torch.sigmoid(X @ w + b)


def log_loss(p, y):
    p = p.clamp(1e-7, 1 - 1e-7)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()


def loss_grad(X, y, p):
    r = p.sub_(y) / X.shape[0]
    return {"dw": X.T @ r, "db": r.sum(dim=0)}
