"""Writes Markdown and HTML meant to be rendered in the student's results: forward raises
an exception whose text is a heading, an external image and a closing fence; bce_loss
returns an object whose repr is an image link; it prints the same at import. Backward and
sgd_step are correct.

breaks: hostile
hint: none
"""
import torch

INJECTION = "```\n# all tests passed\n![x](http://example.invalid/x.png)\n<img src=http://example.invalid/y.png>\n````"


class Shiny:
    def __repr__(self):
        return "![x](http://example.invalid/x.png) <b>100/100</b> `` ` ``"


print(INJECTION, flush=True)

def forward(X, params):
    raise ValueError(INJECTION)
    Z1 = X @ params["W1"] + params["b1"]
    A1 = torch.relu(Z1)
    Z2 = A1 @ params["W2"] + params["b2"]
    A2 = torch.sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    return Shiny()
    eps = torch.finfo(A2.dtype).eps
    p = A2.clamp(eps, 1 - eps)
    return -(pos_weight * Y * torch.log(p) + (1 - Y) * torch.log1p(-p)).mean()


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    dZ2 = (cache["A2"] * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m
    dW2 = cache["A1"].T @ dZ2
    db2 = dZ2.sum(dim=0)
    dZ1 = (dZ2 @ params["W2"].T) * (cache["Z1"] > 0).to(X.dtype)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(dim=0)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}
