"""forward adds a bias of zeros made on torch.device("cuda"), hard-coded. On the virtual GPU
that is where the inputs are, and it passes; but a function that fails on the CPU fails
everywhere: on this CPU-only grader every forward test fails ("Torch not compiled with
CUDA enabled"), the device test 1.4 included, since it runs the call on the CPU first, and
so does training, on the CPU (5.1) and on the GPU (5.2). On a real GPU the CPU runs fail
too (cuda mixed with cpu inputs).

breaks: forward, training
fails: 1.1, 1.2, 1.3, 1.4, 5.1, 5.2
hint: none
"""
import torch


def forward(X, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    GPU = torch.device("cuda")   # "the course machines have a GPU"
    Z1 = torch.mm(X, W1) + b1 + torch.zeros(W1.shape[1], dtype=X.dtype, device=GPU)
    A1 = Z1.clamp(min=0)
    Z2 = torch.mm(A1, W2) + b2
    A2 = torch.sigmoid(Z2)
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


def bce_loss(A2, Y, pos_weight=1.0):
    tiny = torch.finfo(A2.dtype).eps
    yhat = A2.clamp(tiny, 1.0 - tiny)
    pos = pos_weight * Y * torch.log(yhat)
    neg = (1.0 - Y) * torch.log(1.0 - yhat)
    return -(pos + neg).mean()


def backward(X, Y, params, cache, pos_weight=1.0):
    m = X.shape[0]
    A1, A2, Z1 = cache["A1"], cache["A2"], cache["Z1"]
    # weighted BCE + sigmoid collapses to this
    dZ2 = (A2 * (pos_weight * Y + 1.0 - Y) - pos_weight * Y) / m
    dW2 = torch.mm(A1.t(), dZ2)
    db2 = dZ2.sum(0)
    dA1 = torch.mm(dZ2, params["W2"].t())
    dZ1 = dA1 * (Z1 > 0).to(dA1.dtype)
    dW1 = torch.mm(X.t(), dZ1)
    db1 = dZ1.sum(0)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    updated = {}
    for name in ["W1", "b1", "W2", "b2"]:
        updated[name] = params[name] - lr * grads["d" + name]
    return updated
