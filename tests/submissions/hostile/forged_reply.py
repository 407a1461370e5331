"""Speaks on the grader's channel: bce_loss first writes a reply of its own without a
"value" to the reply pipe, and sgd_step returns an object whose repr is "@nope" (the
grader's codes start with "@"). Both are the student's error in those tests, never the
grader's; forward and backward are correct.

breaks: hostile
hint: none
"""
import fcntl
import json
import os
import struct

import torch


def _reply_fds():
    """Pipes this process may write to, other than stdout and stderr."""
    fds = []
    for fd in map(int, os.listdir("/proc/self/fd")):
        try:
            if fd > 2 and os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:") \
                    and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
                fds.append(fd)
        except OSError:
            pass
    return fds


def _forge(header):
    data = json.dumps(header).encode()
    for fd in _reply_fds():
        os.write(fd, struct.pack(">Q", len(data)) + data + struct.pack(">Q", 0))


class Nope:
    def __repr__(self):
        return "@nope"

def forward(X, params):
    Z1 = X @ params["W1"] + params["b1"]
    A1 = torch.relu(Z1)
    Z2 = A1 @ params["W2"] + params["b2"]
    A2 = torch.sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    _forge({"ok": True})
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
    return Nope()
    return {k: params[k] - lr * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}
