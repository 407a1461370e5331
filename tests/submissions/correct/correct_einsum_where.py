"""Correct solution using torch.einsum for every product and torch.where for the ReLU.

breaks: none
hint: none
"""
import torch

EPS = 1e-7


def forward(X, params):
    z_hidden = torch.einsum("mi,ih->mh", X, params["W1"]) + params["b1"]
    a_hidden = torch.where(z_hidden > 0, z_hidden, torch.zeros_like(z_hidden))
    z_out = torch.einsum("mh,ho->mo", a_hidden, params["W2"]) + params["b2"]
    a_out = torch.sigmoid(z_out)
    return a_out, {"Z1": z_hidden, "A1": a_hidden, "Z2": z_out, "A2": a_out}


def bce_loss(A2, Y, pos_weight=1.0):
    p = torch.clamp(A2, EPS, 1 - EPS)
    losses = -(pos_weight * Y * torch.log(p) + (1 - Y) * torch.log(1 - p))
    return losses.mean()


def backward(X, Y, params, cache, pos_weight=1.0):
    batch = X.shape[0]
    yhat = cache["A2"]
    # derivative of weighted BCE wrt the logit
    delta_out = (yhat * (pos_weight * Y + (1 - Y)) - pos_weight * Y) / batch
    dW2 = torch.einsum("mh,mo->ho", cache["A1"], delta_out)
    db2 = torch.einsum("mo->o", delta_out)
    delta_hidden = torch.einsum("mo,ho->mh", delta_out, params["W2"])
    delta_hidden = torch.where(cache["Z1"] > 0, delta_hidden, torch.zeros_like(delta_hidden))
    dW1 = torch.einsum("mi,mh->ih", X, delta_hidden)
    db1 = torch.einsum("mh->h", delta_hidden)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    return {key: value - lr * grads["d" + key] for key, value in params.items()}
