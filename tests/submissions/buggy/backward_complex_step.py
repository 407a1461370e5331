"""backward differentiates numerically by complex step: the loss at params + i*h, whose imaginary part over h is the derivative.

breaks: backward, training
hint: autograd_used
"""
import torch


def forward(X, params):
    Z1 = X @ params["W1"] + params["b1"]
    A1 = torch.relu(Z1)
    Z2 = A1 @ params["W2"] + params["b2"]
    A2 = torch.sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    eps = torch.finfo(A2.dtype).eps
    p = A2.clamp(eps, 1 - eps)
    return -(pos_weight * Y * torch.log(p) + (1 - Y) * torch.log1p(-p)).mean()


def complex_loss(X, Y, params, pos_weight):
    """The loss, written for complex parameters (no clamp: it does not exist for complex)."""
    Z1 = X.to(params["W1"].dtype) @ params["W1"] + params["b1"]
    A1 = torch.where(Z1.real > 0, Z1, torch.zeros_like(Z1))
    Z2 = A1 @ params["W2"] + params["b2"]
    A2 = 1 / (1 + torch.exp(-Z2))
    Yc = Y.to(A2.dtype)
    return -(pos_weight * Yc * torch.log(A2) + (1 - Yc) * torch.log(1 - A2)).mean()


def backward(X, Y, params, cache, pos_weight=1.0):
    h = 1e-20
    as_complex = {k: v.to(torch.complex128 if v.dtype == torch.float64 else torch.complex64)
                  for k, v in params.items()}
    grads = {}
    for name, p in as_complex.items():
        g = torch.zeros_like(params[name])
        for i in range(p.numel()):
            step = dict(as_complex)
            step[name] = p.clone()
            step[name].view(-1)[i] += 1j * h
            g.view(-1)[i] = complex_loss(X, Y, step, pos_weight).imag / h
        grads["d" + name] = g
    return grads


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}
