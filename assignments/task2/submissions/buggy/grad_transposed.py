"""loss_grad returns dw as a row, (1, n), instead of w's shape (n, 1).

breaks: grad
hint: lr_grad_transposed
"""
import torch


def predict(X, w, b):
    return torch.sigmoid(X @ w + b)


def log_loss(p, y):
    p = p.clamp(1e-7, 1 - 1e-7)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()


def loss_grad(X, y, p):
    r = (p - y) / X.shape[0]
    return {"dw": r.T @ X, "db": r.sum(dim=0)}
