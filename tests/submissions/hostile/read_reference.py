"""At import, tries to read the hidden reference solution and reuse its functions; falls back to zeros.

breaks: hostile
hint: none
"""
import torch

_TARGET = "__REFERENCE_PATH__"
_ref = None

try:
    with open(_TARGET) as _fh:
        _source = _fh.read()
    _ns = {"__name__": "stolen_reference", "__file__": _TARGET}
    exec(compile(_source, _TARGET, "exec"), _ns)
    _ref = _ns
    print("REFERENCE: readable", flush=True)
except Exception:
    _ref = None
    print("REFERENCE: denied", flush=True)


def forward(X, params):
    if _ref is not None:
        return _ref["forward"](X, params)
    m, h = X.shape[0], params["W1"].shape[1]
    o = dict(dtype=X.dtype, device=X.device)
    A2 = torch.zeros(m, 1, **o)
    return A2, {"Z1": torch.zeros(m, h, **o), "A1": torch.zeros(m, h, **o),
                "Z2": torch.zeros(m, 1, **o), "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    if _ref is not None:
        return _ref["bce_loss"](A2, Y, pos_weight)
    return torch.zeros((), dtype=A2.dtype, device=A2.device)


def backward(X, Y, params, cache, pos_weight=1.0):
    if _ref is not None:
        return _ref["backward"](X, Y, params, cache, pos_weight)
    return {"d" + k: torch.zeros_like(v) for k, v in params.items()}


def sgd_step(params, grads, lr):
    if _ref is not None:
        return _ref["sgd_step"](params, grads, lr)
    return {k: torch.zeros_like(v) for k, v in params.items()}
