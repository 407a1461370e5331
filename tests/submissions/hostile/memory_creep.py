"""forward keeps a fresh, touched 100 MB tensor from every call, up to 25 (2.5 GB), then computes the correct forward; the other functions are correct.
In a 768 MB container a worker dies within the forward tests, each of which makes at
least seven forward calls, so the other functions' tests run in a worker that keeps little.

breaks: hostile
hint: none
"""
import torch

_KEPT = []                   # lives as long as the worker: one more tensor per call
_CHUNK = 25_000_000          # float32 elements: 100 MB
_MOST = 25                   # 25 x 100 MB = 2.5 GB, then it stops growing
# Under the worker's 3 GB address space, but far over a 768 MB Gradescope container.


def forward(X, params):
    if len(_KEPT) < _MOST:
        _KEPT.append(torch.empty(_CHUNK, dtype=torch.float32).fill_(1.0))  # touch every page
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
