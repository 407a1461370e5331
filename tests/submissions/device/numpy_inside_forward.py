"""forward does its matrix products in NumPy (X.numpy() @ W1.numpy()) and converts back with
torch.from_numpy. Correct on the CPU; on a GPU, .numpy() on a cuda tensor raises TypeError
("can't convert cuda:0 device type tensor to numpy"), so the device test 1.4 and the
training on a GPU (5.2) fail, with the hint, on a real GPU and on the virtual one alike.

breaks: forward, training
fails: 1.4, 5.2
hint: numpy_on_device
"""
import torch


def forward(X, params):
    # "NumPy is what I know for matrix products" -- fine on a laptop, not on a GPU.
    hidden_in = torch.from_numpy(X.numpy() @ params["W1"].numpy()) + params["b1"]
    hidden_out = torch.maximum(hidden_in, torch.zeros_like(hidden_in))
    out_in = torch.from_numpy(hidden_out.numpy() @ params["W2"].numpy()) + params["b2"]
    prob = 1.0 / (1.0 + torch.exp(-out_in))
    return prob, {"Z1": hidden_in, "A1": hidden_out, "Z2": out_in, "A2": prob}


def bce_loss(A2, Y, pos_weight=1.0):
    small = torch.finfo(A2.dtype).eps
    p = torch.clamp(A2, small, 1.0 - small)
    losses = pos_weight * Y * torch.log(p) + (1.0 - Y) * torch.log(1.0 - p)
    return -torch.mean(losses)


def backward(X, Y, params, cache, pos_weight=1.0):
    batch = X.shape[0]
    A1, A2, Z1 = cache["A1"], cache["A2"], cache["Z1"]
    # derivative of the weighted BCE through the sigmoid, divided by the batch for the mean
    dZ2 = (A2 * (pos_weight * Y + (1.0 - Y)) - pos_weight * Y) / batch
    dW2 = A1.T @ dZ2
    db2 = torch.sum(dZ2, dim=0)
    dZ1 = (dZ2 @ params["W2"].T) * (Z1 > 0).to(Z1.dtype)
    dW1 = X.T @ dZ1
    db1 = torch.sum(dZ1, dim=0)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    new_params = {}
    for name in ("W1", "b1", "W2", "b2"):
        new_params[name] = params[name] - lr * grads["d" + name]
    return new_params
