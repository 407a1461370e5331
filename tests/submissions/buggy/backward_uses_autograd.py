"""Backward re-runs forward on requires_grad copies of the parameters and calls loss.backward().

breaks: backward, training
hint: autograd_used
"""
import torch
import torch.nn.functional as F


def forward(X, params):
    Z1 = X @ params["W1"] + params["b1"]
    A1 = F.relu(Z1)
    Z2 = A1 @ params["W2"] + params["b2"]
    A2 = torch.sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    eps = torch.finfo(A2.dtype).eps
    p = A2.clamp(eps, 1 - eps)
    return -(pos_weight * Y * torch.log(p) + (1 - Y) * torch.log1p(-p)).mean()


def backward(X, Y, params, cache, pos_weight=1.0):
    # why derive it by hand when torch can do it for me
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
    with torch.enable_grad():
        A2, _ = forward(X, leaves)
        loss = bce_loss(A2, Y, pos_weight)
        loss.backward()
    return {"d" + k: leaves[k].grad.detach() for k in ("W1", "b1", "W2", "b2")}


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads["d" + k] for k in params}
