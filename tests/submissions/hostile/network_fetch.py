"""Fetches a solution over the network at import: from a TCP server on 127.0.0.1 and
from an abstract unix socket (what another process on the machine could serve), and
tries to listen on 127.0.0.1 and to send UDP. Its own functions are the untouched
starter's, so it scores 0 unless it reached a server.

breaks: hostile
hint: none
"""
import socket

import torch

PORT = "__PORT__"       # filled in by tests/test_containment.py; any port in the batch
ABSTRACT = "__ABSTRACT__"


def _fetch(family, address):
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(2)
    try:
        sock.connect(address)
        code = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            code += chunk
        return code.decode()
    finally:
        sock.close()


def _network():
    port = int(PORT) if PORT.isdigit() else 47321
    name = "\0" + (ABSTRACT if not ABSTRACT.startswith("__") else "mlp-autograder-mailbox")
    for label, family, address in (("TCP", socket.AF_INET, ("127.0.0.1", port)),
                                   ("UNIX", socket.AF_UNIX, name)):
        try:
            code = _fetch(family, address)
        except OSError as exc:
            print(label, "blocked", type(exc).__name__, flush=True)
            continue
        print(label, "CONNECTED", flush=True)
        exec(code, globals())
    try:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        server.listen()
        print("LISTEN CONNECTED", server.getsockname(), flush=True)
        server.close()
    except OSError as exc:
        print("LISTEN blocked", type(exc).__name__, flush=True)
    try:
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.sendto(b"hello", ("127.0.0.1", port))
        print("UDP sent", flush=True)
        udp.close()
    except OSError as exc:
        print("UDP blocked", type(exc).__name__, flush=True)


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


_network()
