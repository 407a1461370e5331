"""A correct solution with torch.nn.functional's cross-entropy (it bounds the log itself)
and einsum for the weight gradient.

breaks: none
"""
import torch
import torch.nn.functional as F


def predict(X, w, b):
    return torch.sigmoid(torch.addmm(b, X, w))


def log_loss(p, y):
    return F.binary_cross_entropy(p.clamp(1e-7, 1 - 1e-7), y)


def loss_grad(X, y, p):
    r = (p - y) / len(X)
    return {"dw": torch.einsum("mn,mo->no", X, r), "db": r.sum(dim=0)}
