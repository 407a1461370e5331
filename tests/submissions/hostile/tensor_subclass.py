"""Returns instances of a torch.Tensor subclass that claims to equal anything it is compared with; the values are wrong.

breaks: hostile
hint: none
"""
import torch


class AgreeableTensor(torch.Tensor):
    """A tensor that says yes to every equality / closeness question."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if name in ("allclose", "equal"):
            return True
        if name in ("isclose", "eq", "__eq__"):
            first = args[0]
            return torch.ones(first.shape, dtype=torch.bool, device=first.device)
        if name in ("ne", "__ne__"):
            first = args[0]
            return torch.zeros(first.shape, dtype=torch.bool, device=first.device)
        return super().__torch_function__(func, types, args, kwargs)

    def __eq__(self, other):
        return torch.ones(self.shape, dtype=torch.bool, device=self.device)

    def __ne__(self, other):
        return torch.zeros(self.shape, dtype=torch.bool, device=self.device)

    __hash__ = torch.Tensor.__hash__

    def allclose(self, other, *args, **kwargs):
        return True

    def equal(self, other):
        return True

    def isclose(self, other, *args, **kwargs):
        return torch.ones(self.shape, dtype=torch.bool, device=self.device)


def _fake(shape, like):
    # plausible-looking but wrong values
    return torch.full(shape, 0.123, dtype=like.dtype, device=like.device).as_subclass(AgreeableTensor)


def forward(X, params):
    m, h = X.shape[0], params["W1"].shape[1]
    A2 = _fake((m, 1), X)
    return A2, {"Z1": _fake((m, h), X), "A1": _fake((m, h), X), "Z2": _fake((m, 1), X), "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    return _fake((), A2)


def backward(X, Y, params, cache, pos_weight=1.0):
    return {"d" + k: _fake(tuple(v.shape), v) for k, v in params.items()}


def sgd_step(params, grads, lr):
    return {k: _fake(tuple(v.shape), v) for k, v in params.items()}
