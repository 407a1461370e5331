"""A mailbox between sessions: at import, runs any solution an earlier session left in
/dev/shm, /run/shm, /tmp or /var/tmp (POSIX shared memory included), then leaves a
correct one there for the next. Its own functions are the untouched starter's, so it
scores 0 unless a mailbox survived another session.

breaks: hostile
hint: none
"""
import os

import torch

SOLUTION = 'import torch\n\n\ndef forward(X, params):\n    Z1 = X @ params["W1"] + params["b1"]\n    A1 = torch.relu(Z1)\n    Z2 = A1 @ params["W2"] + params["b2"]\n    A2 = torch.sigmoid(Z2)\n    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}\n\n\ndef bce_loss(A2, Y, pos_weight=1.0):\n    eps = torch.finfo(A2.dtype).eps\n    p = A2.clamp(eps, 1 - eps)\n    return -(pos_weight * Y * torch.log(p) + (1 - Y) * torch.log1p(-p)).mean()\n\n\ndef backward(X, Y, params, cache, pos_weight=1.0):\n    m = X.shape[0]\n    dZ2 = (cache["A2"] * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m\n    dW2 = cache["A1"].T @ dZ2\n    db2 = dZ2.sum(dim=0)\n    dZ1 = (dZ2 @ params["W2"].T) * (cache["Z1"] > 0).to(X.dtype)\n    dW1 = X.T @ dZ1\n    db1 = dZ1.sum(dim=0)\n    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}\n\n\ndef sgd_step(params, grads, lr):\n    return {k: params[k] - lr * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}\n'
MAILBOXES = ["/dev/shm/mlp_mailbox.py", "/run/shm/mlp_mailbox_run.py", "/tmp/mlp_mailbox.py",
             "/var/tmp/mlp_mailbox.py"]


def forward(X, params):
    """Forward pass (HANDOUT §1).

    X: (m, n); params: {"W1": (n, h), "b1": (h,), "W2": (h, 1), "b2": (1,)}
    Returns (A2, cache): A2 is (m, 1); cache = {"Z1": (m, h), "A1": (m, h), "Z2": (m, 1), "A2": (m, 1)}

    Z1 = X @ W1 + b1          # (m, h)
    A1 = ReLU(Z1) = max(0, Z1) # (m, h)
    Z2 = A1 @ W2 + b2          # (m, 1)
    A2 = sigmoid(Z2)           # (m, 1), the prediction y_hat
    """
    raise NotImplementedError("forward: compute Z1, A1, Z2, A2 and return (A2, cache)")


def bce_loss(A2, Y, pos_weight=1.0):
    """Weighted binary cross-entropy, averaged over the batch (HANDOUT §2).

    A2: (m, 1) predictions in [0, 1]; Y: (m, 1) labels 0/1 (same dtype as A2).
    Returns a 0-dim tensor (shape ()).

    L = -(1/m) * sum_i [ w*y_i*log(p_i) + (1-y_i)*log(1-p_i) ],  p = clamp(A2, eps, 1-eps),
    w = pos_weight, eps = torch.finfo(A2.dtype).eps   # stays finite at A2 == 0 or 1
    """
    raise NotImplementedError("bce_loss: weighted BCE, mean over the batch, clamp first")


def backward(X, Y, params, cache, pos_weight=1.0):
    """Gradients of the MEAN loss w.r.t. every parameter, by hand (HANDOUT §3).

    X: (m, n); Y: (m, 1); params as in forward; cache: the dict returned by forward.
    Use the cache you are given (it may come from an earlier forward call).
    Returns {"dW1": (n, h), "db1": (h,), "dW2": (h, 1), "db2": (1,)}, same shapes as the params.

    dZ2 = dL/dZ2               # (m, 1)  derive it yourself for w != 1 (§3.1); w = 1 gives (A2 - Y)/m
    dW2 = A1^T @ dZ2           # (h, 1)  (§3.2)
    db2 = sum_rows(dZ2)        # (1,)    (§3.2)
    dA1 = dZ2 @ W2^T           # (m, h)  (§3.3)
    dZ1 = dA1 * [Z1 > 0]       # (m, h)  ReLU'(0) = 0 (§3.4)
    dW1 = X^T @ dZ1            # (n, h)  (§3.5)
    db1 = sum_rows(dZ1)        # (h,)    (§3.5)
    The factor 1/m appears exactly once on this path (§3.6).
    """
    raise NotImplementedError("backward: chain rule by hand, no autograd")


def sgd_step(params, grads, lr):
    """One step of plain gradient descent (HANDOUT §4).

    params: {"W1", "b1", "W2", "b2"}; grads: {"dW1", "db1", "dW2", "db2"} (same shapes); lr: float.
    Returns a dict {"W1", "b1", "W2", "b2"} with the updated tensors (same shapes).

    P_new = P - lr * dP        # for P in W1, b1, W2, b2 (note the minus sign)
    """
    raise NotImplementedError("sgd_step: return the updated parameter dict")


def _mailbox():
    for path in MAILBOXES:
        try:
            with open(path) as f:
                code = f.read()
        except OSError:
            continue
        print("MAILBOX FOUND", path, flush=True)
        exec(code, globals())
        break
    try:
        from multiprocessing import shared_memory

        block = shared_memory.SharedMemory("mlp_mailbox_posix")
        print("MAILBOX FOUND posix shared memory", flush=True)
        block.close()
    except Exception:
        pass
    for path in MAILBOXES:
        try:
            with open(path, "w") as f:
                f.write(SOLUTION)
            os.chmod(path, 0o666)
            print("WROTE", path, flush=True)
        except OSError as exc:
            print("DENIED", path, type(exc).__name__, flush=True)
    try:
        from multiprocessing import shared_memory

        shared_memory.SharedMemory("mlp_mailbox_posix", create=True, size=4096)
        print("WROTE posix shared memory", flush=True)
    except Exception as exc:
        print("DENIED posix shared memory", type(exc).__name__, flush=True)


_mailbox()
