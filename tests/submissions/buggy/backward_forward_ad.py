"""backward uses forward-mode AD (torch.autograd.forward_ad): one dual tensor per parameter entry, the loss's tangent is the derivative.

breaks: backward, training
hint: autograd_used
"""
import torch
import torch.autograd.forward_ad as fwAD


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


def backward(X, Y, params, cache, pos_weight=1.0):
    grads = {}
    for name, p in params.items():
        g = torch.zeros_like(p)
        for i in range(p.numel()):
            tangent = torch.zeros_like(p)
            tangent.view(-1)[i] = 1
            with fwAD.dual_level():
                dual = dict(params)
                dual[name] = fwAD.make_dual(p, tangent)
                loss = bce_loss(forward(X, dual)[0], Y, pos_weight)
                g.view(-1)[i] = fwAD.unpack_dual(loss).tangent
        grads["d" + name] = g
    return grads


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}
