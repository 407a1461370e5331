"""Correct solution with a hand-rolled stable sigmoid and a loss computed via logsigmoid of recovered logits.

breaks: none
hint: none
"""
import torch
import torch.nn.functional as F


def _stable_sigmoid(z):
    # exp(-|z|) never overflows; pick the right branch per element
    e = torch.exp(-torch.abs(z))
    return torch.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def forward(X, params):
    Z1 = X @ params["W1"] + params["b1"]
    A1 = F.relu(Z1)
    Z2 = A1 @ params["W2"] + params["b2"]
    A2 = _stable_sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    # only A2 is given, so get the logit back; clamp first so 0 and 1 stay finite
    eps = torch.finfo(A2.dtype).eps
    p = A2.clamp(eps, 1 - eps)
    logit = torch.log(p) - torch.log1p(-p)
    log_p = F.logsigmoid(logit)
    log_not_p = F.logsigmoid(-logit)
    return -(pos_weight * Y * log_p + (1 - Y) * log_not_p).mean()


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    Z1, A1, A2 = cache["Z1"], cache["A1"], cache["A2"]
    w = pos_weight
    dZ2 = (A2 * (w * Y + 1 - Y) - w * Y) / m
    grads = {}
    grads["dW2"] = A1.T @ dZ2
    grads["db2"] = dZ2.sum(dim=0)
    dZ1 = (dZ2 @ params["W2"].T) * (Z1 > 0)
    grads["dW1"] = X.T @ dZ1
    grads["db1"] = dZ1.sum(dim=0)
    return grads


def sgd_step(params, grads, lr):
    W1 = params["W1"] - lr * grads["dW1"]
    b1 = params["b1"] - lr * grads["db1"]
    W2 = params["W2"] - lr * grads["dW2"]
    b2 = params["b2"] - lr * grads["db2"]
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
