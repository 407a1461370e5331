"""Gradients by hand: the student's code may not differentiate for itself, and may not
change the tensors it is given.

Guard keeps the first rule with three lines of defence, the last two of which do not
depend on how the student's code names anything:

1. install(), before the student's file is imported, replaces every public way into differentiation
   (Tensor.backward, torch.autograd.grad/backward, torch.autograd.functional.*, forward
   mode, the torch.func transforms, the autograd engine) with a stub that refuses it, so a
   name bound at import (`from torch.autograd import grad`) is bound to the stub.
2. Gradient recording (grad mode) and forward-mode AD are switched off for the whole
   process, and switching either on is refused: autograd then records nothing, whatever
   name reaches it.
3. During each call, a torch function mode sees every torch function and Tensor method
   the student's code uses and refuses any tensor that requires grad and any complex
   tensor (complex-step differentiation: no correct solution needs complex numbers).

After each call the guard checks that all three are still in place (a call that switched
one off is refused like one that used autograd) and puts them back for the next call.
What this cannot promise: student code runs in this very process, so code written to
defeat the guard (switching torch function modes off, starting a thread, which has its
own grad mode and mode stack, walking autograd's graph node by node, reaching the
guard's own objects through the interpreter) can get past it. The sandbox contains such
code; it does not make it honest. Real-valued finite differences (calling forward and
the loss many times) use only ordinary tensor operations and are not detected at all.
The stubs and switches hold at import too: a submitted file that differentiates at its top
level does not import.

Inputs keeps copies of the tensors given to a call, to tell afterwards which it changed.

Used by the worker (sandbox/worker/serve.py) and by the self-check, which ships this file.
Standard library and torch only.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from types import ModuleType
    from typing import Any, NoReturn

# (module path, attribute, what the student reads). Missing ones (older torch) are skipped.
ENTRY_POINTS = [
    ("torch.Tensor", "backward", "Tensor.backward()"),
    ("torch.autograd", "backward", "torch.autograd.backward()"),
    ("torch.autograd", "grad", "torch.autograd.grad()"),
    *[("torch.autograd.functional", f, f"torch.autograd.functional.{f}()")
      for f in ("vjp", "jvp", "jacobian", "hessian", "hvp", "vhp")],
    *[("torch.autograd.forward_ad", f, f"forward-mode AD (torch.autograd.forward_ad.{f})")
      for f in ("make_dual", "dual_level", "enter_dual_level")],
    ("torch", "_make_dual", "forward-mode AD (torch._make_dual)"),
    ("torch._C", "_enter_dual_level", "forward-mode AD (torch._C._enter_dual_level)"),
    *[(module, f, f"torch.func.{f}()")
      for module in ("torch.func", "torch._functorch.apis", "torch._functorch.eager_transforms")
      for f in ("grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "linearize")],
    ("torch._C", "_ImperativeEngine", "the autograd engine (torch._C._ImperativeEngine)"),
]
# Switches that are refused only when they turn something on.
SWITCHES = [("_set_grad_enabled", "autograd (torch.enable_grad())"),
            ("_set_fwd_grad_enabled", "forward-mode AD (torch._C._set_fwd_grad_enabled)")]
# Tensor functions the function mode refuses whatever they are called through. (Not
# unpack_dual: printing a tensor calls it, and without make_dual there is nothing to unpack.)
REFUSED_BY_NAME = {"_make_dual": "forward-mode AD (torch._make_dual)"}
REQUIRES_GRAD = "a tensor that requires grad (autograd)"
COMPLEX = "complex numbers (complex-step differentiation)"
SWITCHED_OFF = "code that switched the autograd guard off"


class Refused(RuntimeError):
    """Raised in the student's code where it reaches for differentiation."""


class _Engine:
    """Stands in for Variable._execution_engine: every method refuses."""

    def __init__(self, refuse: Callable[[str], NoReturn]) -> None:
        self._refuse = refuse

    def __getattr__(self, name: str) -> Callable[..., NoReturn]:
        return lambda *args, **kwargs: self._refuse("the autograd engine (Variable._execution_engine)")


class Guard:
    """install() once, before the student's file is imported; then call(fn, ...) for every call of the
    student's code. `used` says what the last call used of differentiation, or None."""

    def __init__(self, torch: ModuleType) -> None:
        import importlib

        self.torch = torch
        self.used = None
        self._modules = {}
        for module, _, _ in ENTRY_POINTS:
            if module not in self._modules:
                try:
                    self._modules[module] = (torch.Tensor if module == "torch.Tensor"
                                             else importlib.import_module(module))
                except ImportError:
                    self._modules[module] = None
        self._stubs = []   # (owner, name, stub): what check() expects to find
        C = torch._C
        # Kept before student code runs: it may replace the module attributes later.
        self._set_grad, self._set_fwd_grad = C._set_grad_enabled, C._set_fwd_grad_enabled
        self._push, self._pop = C._push_on_torch_function_stack, C._pop_torch_function_stack
        self._depth, self._at = C._len_torch_function_stack, C._get_function_stack_at
        self._mode_class = _mode_class(torch)

    def refuse(self, what: str) -> NoReturn:
        self.used = self.used or what
        raise Refused(f"{what} is not allowed: compute the gradients by hand")

    def _stub(self, what):
        def refused(*args: object, **kwargs: object) -> NoReturn:
            self.refuse(what)
        return refused

    def _switch(self, what):
        def switch(mode: bool, *args: object, **kwargs: object) -> None:
            if mode:
                self.refuse(what)
        return switch

    def install(self) -> Guard:
        """Replace the entry points (for good: nothing in the worker needs them) and switch
        grad mode and forward AD off. Idempotent."""
        if self._stubs:
            return self
        for module, name, what in ENTRY_POINTS:
            owner = self._modules[module]
            if owner is not None and hasattr(owner, name):
                self._stubs.append((owner, name, self._stub(what)))
        variable = self.torch.autograd.variable.Variable
        self._stubs.append((variable, "_execution_engine", _Engine(self.refuse)))
        self._stubs += [(self.torch._C, name, self._switch(what)) for name, what in SWITCHES]
        self._restore()
        return self

    def _restore(self):
        self._set_grad(False)
        self._set_fwd_grad(False)
        for owner, name, stub in self._stubs:
            if getattr(owner, name, None) is not stub:
                setattr(owner, name, stub)

    def _intact(self):
        t = self.torch
        return (not t.is_grad_enabled() and not t._C._is_fwd_grad_enabled()
                and all(getattr(owner, name, None) is stub for owner, name, stub in self._stubs))

    def call(self, fn: Callable[..., Any], *args: object, **kwargs: object) -> Any:
        """fn(*args, **kwargs) under the function mode; what fn raises is raised. After it,
        `used` is None or names what it used (also when it caught our refusal)."""
        self.used = None
        self._restore()
        depth = self._depth()
        mode = self._mode_class(self)
        self._push(mode)
        try:
            return fn(*args, **kwargs)
        finally:
            on_top = self._depth() == depth + 1 and self._at(depth) is mode
            while self._depth() > depth:
                self._pop()
            if not (on_top and self._intact()):
                self.used = self.used or SWITCHED_OFF
            self._restore()

    def inspect(self, values: Iterable[object]) -> None:
        """Refuse a tensor that requires grad or is complex among values (and in the lists
        and tuples among them, one level down)."""
        Tensor = self.torch.Tensor
        for v in values:
            if isinstance(v, (list, tuple)):
                self.inspect(x for x in v if isinstance(x, Tensor))
            elif isinstance(v, Tensor):
                if v.requires_grad:
                    self.refuse(REQUIRES_GRAD)
                if v.dtype.is_complex:
                    self.refuse(COMPLEX)


def _mode_class(torch):
    from torch.overrides import TorchFunctionMode

    Tensor = torch.Tensor

    class Watch(TorchFunctionMode):
        """Sees every torch function and Tensor method the student's code calls."""

        def __init__(self, guard: Guard) -> None:
            super().__init__()
            self.guard = guard

        def __torch_function__(self, func, types, args=(), kwargs=None):
            # Runs for every torch operation of the student's code: the common case (plain
            # real tensors and numbers) is tested inline, and guard.inspect, which says
            # why a value is refused, is called only for a value that may be.
            guard = self.guard
            what = REFUSED_BY_NAME.get(getattr(func, "__name__", ""))
            if what:
                guard.refuse(what)
            kwargs = kwargs or {}
            if kwargs.get("requires_grad"):
                guard.refuse(REQUIRES_GRAD)
            for v in args:
                if isinstance(v, Tensor) and not (v.requires_grad or v.dtype.is_complex):
                    continue
                if isinstance(v, (Tensor, list, tuple)):
                    guard.inspect((v,))
            if kwargs:
                guard.inspect(kwargs.values())
            out = func(*args, **kwargs)
            # The result, and the tensor the call was made on (requires_grad_, setters, x.add_).
            for v in (out, args[0] if args else None):
                if isinstance(v, Tensor) and not (v.requires_grad or v.dtype.is_complex):
                    continue
                if isinstance(v, (Tensor, list, tuple)):
                    guard.inspect((v,))
            return out

    return Watch


class Inputs:
    """Exact copies of the tensors passed to a call (those inside dicts, lists and tuples
    too), taken before it. changed() names those the call modified: a tensor changed in
    place, or an entry of a dict given that now holds another value, or
    none (state["h"] = other, state.pop("h")): the caller's dict is changed either way. A
    dict that gained keys is not modified; an entry replaced by an exact copy (same type,
    dtype, shape and values) is not either, as a write in place that changes nothing."""

    _GONE = object()   # what changed() finds at a key the call removed

    def __init__(self, torch: ModuleType, named: Iterable[tuple[str, object]]) -> None:
        """named: [(name, value)], a value being a tensor, or a dict/list/tuple of them."""
        self.equal = torch.equal   # taken now: student code may replace torch.equal later
        self.tensor = torch.Tensor
        self.kept = []   # (name, value, copy or None, dtype, shape, the dict holding it or None, its key)
        for name, value in named:
            self._keep(torch, name, value)

    def _keep(self, torch, name, value, holder=None, key=None):
        if type(value) is torch.Tensor:
            self.kept.append((name, value, value.detach().clone(), value.dtype, tuple(value.shape), holder, key))
            return
        if holder is not None:   # any other value of a dict: only whether it is still there
            self.kept.append((name, value, None, None, None, holder, key))
        if isinstance(value, dict):
            for k, v in list(value.items()):
                self._keep(torch, f'{name}["{k}"]', v, value, k)
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                self._keep(torch, f"{name}[{i}]", v)

    def _same(self, old, new):
        """True when new, found where old was, is old or an exact copy of it."""
        if new is old:
            return True
        if type(old) is self.tensor and type(new) is self.tensor:
            try:
                return (old.dtype == new.dtype and tuple(old.shape) == tuple(new.shape)
                        and old.device == new.device and self.equal(old.detach(), new.detach()))
            except Exception:    # anything odd the student put there is a change
                return False
        if type(old) in (int, float, bool, str) and type(new) is type(old):
            return old == new
        return False

    def changed(self) -> list[str]:
        names = []
        for name, t, copy, dtype, shape, holder, key in self.kept:
            if holder is not None:
                try:
                    now = dict.get(holder, key, self._GONE)
                except Exception:
                    now = self._GONE
                if not self._same(t, now):
                    names.append(name)
                    continue
            if copy is not None and (t.dtype != dtype or tuple(t.shape) != shape
                                     or not self.equal(t.detach(), copy)):
                names.append(name)
        return names
