"""Task 2's hidden reference: logistic regression, by hand."""
import torch

EPS = 1e-7   # predictions are clamped into [EPS, 1 - EPS] before the log (§2)


def predict(X, w, b):
    """p = sigmoid(X w + b): (m, 1)."""
    return torch.sigmoid(X @ w + b)


def log_loss(p, y):
    """The mean binary cross-entropy of predictions p against labels y, a 0-d tensor."""
    p = p.clamp(EPS, 1 - EPS)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()


def loss_grad(X, y, p):
    """The gradients of the mean loss with respect to w and b: dw (n, 1), db (1,)."""
    residual = (p - y) / X.shape[0]
    return {"dw": X.T @ residual, "db": residual.sum(dim=0)}
