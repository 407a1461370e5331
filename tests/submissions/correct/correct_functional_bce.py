"""Correct solution whose loss is F.binary_cross_entropy with a per-element weight tensor.

breaks: none
hint: none
"""
import torch
import torch.nn.functional as F


def forward(X, params):
    hidden_pre = torch.matmul(X, params["W1"]) + params["b1"]
    hidden = F.relu(hidden_pre)
    out_pre = torch.matmul(hidden, params["W2"]) + params["b2"]
    out = torch.sigmoid(out_pre)
    return out, dict(Z1=hidden_pre, A1=hidden, Z2=out_pre, A2=out)


def bce_loss(A2, Y, pos_weight=1.0):
    # positives get weight w, negatives weight 1; F.binary_cross_entropy clamps log at -100
    weights = pos_weight * Y + (1 - Y)
    return F.binary_cross_entropy(A2, Y, weight=weights, reduction="mean")


def backward(X, Y, params, cache, pos_weight=1.0):
    n = Y.shape[0]
    weights = pos_weight * Y + (1 - Y)
    # d/dz of -(w y log s + (1-y) log(1-s)) = weights * s - w y
    g_out = (weights * cache["A2"] - pos_weight * Y) / n
    g_W2 = torch.matmul(cache["A1"].transpose(0, 1), g_out)
    g_b2 = g_out.sum(dim=0)
    g_hidden = torch.matmul(g_out, params["W2"].transpose(0, 1))
    g_hidden = g_hidden * (cache["Z1"] > 0).type_as(g_hidden)
    g_W1 = torch.matmul(X.transpose(0, 1), g_hidden)
    g_b1 = g_hidden.sum(dim=0)
    return {"dW1": g_W1, "db1": g_b1, "dW2": g_W2, "db2": g_b2}


def sgd_step(params, grads, lr):
    return {k: torch.sub(params[k], grads["d" + k], alpha=lr) for k in ("W1", "b1", "W2", "b2")}
