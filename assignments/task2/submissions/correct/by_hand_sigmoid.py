"""A correct solution written another way: the sigmoid by hand, torch.where in the loss,
and the gradients as explicit sums divided by the batch size.

breaks: none
"""
import torch


def predict(X, w, b):
    return 1.0 / (1.0 + torch.exp(-(X.matmul(w) + b)))


def log_loss(p, y):
    eps = 1e-7
    p = torch.clamp(p, eps, 1 - eps)
    terms = torch.where(y > 0.5, torch.log(p), torch.log1p(-p))
    return -terms.sum() / p.shape[0]


def loss_grad(X, y, p):
    m = X.shape[0]
    r = p - y
    return {"dw": X.t().mm(r) / m, "db": r.sum(0) / m}
