"""Refuses autograd while the student's backward runs: the rule is gradients by hand.

Used by the worker (worker/main.py) and by the self-check, which ships this file.
Standard library and torch only.
"""


class AutogradGuard:
    """Records any use of autograd while backward runs (the rule: backward is by hand)."""

    def __init__(self, torch):
        self.torch = torch
        self.used = None
        self.saved = []

    def _wrap(self, owner, name, label):
        original = getattr(owner, name)

        def guarded(*args, **kwargs):
            self.used = self.used or label
            raise RuntimeError(f"{label} is not allowed in backward: compute the gradients by hand")

        self.saved.append((owner, name, original))
        setattr(owner, name, guarded)

    def __enter__(self):
        t = self.torch
        self._wrap(t.Tensor, "backward", "Tensor.backward()")
        self._wrap(t.autograd, "backward", "torch.autograd.backward()")
        self._wrap(t.autograd, "grad", "torch.autograd.grad()")
        return self

    def __exit__(self, *exc):
        for owner, name, original in reversed(self.saved):
            setattr(owner, name, original)
        self.saved.clear()
