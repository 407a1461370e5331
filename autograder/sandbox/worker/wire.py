"""The only way values cross between the trusted grader and the sandboxed worker.

A message is an 8-byte length, a JSON header, an 8-byte length and a tensor blob: an
8-byte length, a JSON index [key, dtype, shape, offset, bytes] and the tensors' raw bytes.
(safetensors does the same with more checks, at five times the cost per message: too much
for the thousand small messages of one grade.)
Values travel as a JSON tree whose tensors live in the blob; nothing is pickled, so
reading a message never runs code. The sender describes what it holds (for example a
tensor subclass or a numpy array) and the receiver decides what to accept.

Used by both sides: keep it to the standard library, torch and numpy (which torch's
Tensor.numpy needs).
"""
from __future__ import annotations

import functools
import json
import math
import os
import re
import select
import struct
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    import torch

MAX_HEADER = 4 << 20        # bytes of JSON a message may carry
MAX_BLOB = 512 << 20        # bytes of tensor data a message may carry
_LEN = struct.Struct(">Q")


class WireError(Exception):
    """A message was malformed, too large, or the other side went away."""


class TooLarge(WireError):
    """A message longer than the reader accepts: size and limit in bytes."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"message of {size} bytes, more than {limit}")
        self.size, self.limit = size, limit


class WriteTimeout(WireError):
    """The other side did not take the whole message in time."""


_SURROGATE = re.compile("[\ud800-\udfff]")
# JSON that decodes to no surrogate at all: no \uD800-\uDFFF escape and no raw byte that
# starts one in UTF-8 (json.loads lets those through).
_MAY_HOLD_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]|\xed")


def safe_text(text: str) -> str:
    """text with every lone surrogate (which JSON's \\udcff escapes can carry, and no
    UTF-8 encoder accepts) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def clean(value: Any) -> Any:
    """A decoded JSON value with every string, keys included, made safe_text."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, dict):
        return {safe_text(k): clean(v) for k, v in value.items()}
    return value


class Foreign:
    """Something the student returned that is not a plain value we accept.

    Kept as a description only: its type name and a short text, never the object.
    A detail starting with "@" is a code the receiver words for the student
    (checks.describe): @subclass, @too_deep, @unsendable; any other detail is a repr.
    """

    def __init__(self, type_name: str, detail: str = "") -> None:
        self.type_name = type_name
        self.detail = detail

    def __repr__(self):
        return f"<{self.type_name}>"


def _type_name(obj):
    t = type(obj)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _type_text(name):
    """A type name as the receiver shows it: letters, digits, _ and . only (a type's name
    is the student's to choose, and is shown in Markdown)."""
    return re.sub(r"[^\w.]", "?", str(name))[:200]


def _clip(text, limit=200):
    return text if len(text) <= limit else text[:limit] + "..."


def _short_repr(obj, limit=200):
    try:
        text = repr(obj)
    except BaseException as exc:  # a hostile __repr__ must not break the reply
        text = f"<repr failed: {type(exc).__name__}>"
    return _clip(text, limit)


def encode(value: object) -> tuple[dict[str, Any], dict[str, Raw]]:
    """Turn a value into (tree, tensors): a JSON-able tree, and {key: Raw} holding a copy
    of each tensor's bytes, taken now (later changes to the tensors change nothing)."""
    import torch

    tensors = {}

    def walk(v: object, depth: int = 0) -> dict[str, Any]:
        if depth > 20:
            return {"k": "other", "type": _type_name(v), "detail": "@too_deep"}
        if type(v) is torch.Tensor:
            key = f"t{len(tensors)}"
            try:   # its bytes are taken now: a value that cannot be sent is told as such
                tensors[key] = Raw.of(v)
            except Exception:
                return {"k": "other", "type": "torch.Tensor", "detail": "@unsendable"}
            return {"k": "tensor", "key": key, "device": str(v.device)}
        if isinstance(v, torch.Tensor):
            return {"k": "other", "type": _type_name(v), "detail": "@subclass"}
        if v is None:
            return {"k": "none"}
        if isinstance(v, (bool, int, float)) and type(v) in (bool, int, float):
            return {"k": "num", "v": v}
        if type(v) is str:
            return {"k": "str", "v": v[:500]}
        if isinstance(v, dict):
            items = [[k if type(k) is str else _short_repr(k), walk(x, depth + 1)] for k, x in list(v.items())[:64]]
            return {"k": "dict", "type": _type_name(v), "items": items}
        if isinstance(v, (list, tuple)):
            return {"k": "seq", "type": _type_name(v), "items": [walk(x, depth + 1) for x in list(v)[:64]]}
        return {"k": "other", "type": _type_name(v), "detail": _short_repr(v)}

    return walk(value), tensors


# How deep a value's tree may be: encode() cuts deeper values short, far above this.
DEEPEST_TREE = 64
_SCALARS = (int, float, bool, type(None))


def decode(tree: object, tensors: Mapping[str, torch.Tensor], depth: int = 0) -> Any:
    """Rebuild a value from encode()'s output. Tensors come back as plain torch.Tensor on
    the device the sender reported; a value of an unusual type comes back as Foreign. A
    tree not of the form encode() gives raises WireError: the other side may be student
    code that forged it."""
    if depth > DEEPEST_TREE:
        raise WireError("value nested too deep")
    if not isinstance(tree, dict) or not isinstance(tree.get("k"), str):
        raise WireError("not a value")
    kind = tree["k"]
    if kind == "tensor":
        key, device = tree.get("key"), tree.get("device", "cpu")
        if not isinstance(key, str) or not isinstance(device, str):
            raise WireError("not a tensor")
        t = tensors.get(key)
        if t is None:
            return Foreign("missing tensor")
        if device != "cpu":
            try:
                t = t.to(device)
            except Exception:
                return Foreign("torch.Tensor", "@unsendable")
        return t
    if kind == "none":
        return None
    if kind == "num" and isinstance(tree.get("v"), _SCALARS):
        return tree["v"]
    if kind == "str" and isinstance(tree.get("v"), str):
        return tree["v"][:500]
    if kind == "dict" and isinstance(tree.get("items"), list):
        if not all(isinstance(item, list) and len(item) == 2 for item in tree["items"]):
            raise WireError("not a dict entry")
        out = {str(k)[:200]: decode(v, tensors, depth + 1) for k, v in tree["items"]}
        return out if tree.get("type") in ("dict", "collections.OrderedDict") else Foreign(_type_text(tree.get("type")))
    if kind == "seq" and isinstance(tree.get("items"), list):
        items = [decode(v, tensors, depth + 1) for v in tree["items"]]
        if tree.get("type") in ("tuple", "list"):
            return tuple(items) if tree["type"] == "tuple" else items
        return Foreign(_type_text(tree.get("type")))
    if kind == "other":
        return Foreign(_type_text(tree.get("type", "?")), _clip(str(tree.get("detail", ""))))
    raise WireError(f"not a value of kind {kind[:20]!r}")


# The dtypes a tensor may have on the wire: anything else is refused on reading.
DTYPES = ("float64", "float32", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool")


class Raw:
    """A tensor's dtype name, shape and bytes (C order), as the blob carries them."""

    __slots__ = ("dtype", "shape", "data")

    def __init__(self, dtype: str, shape: list[int], data: bytes) -> None:
        self.dtype, self.shape, self.data = dtype, shape, data

    @classmethod
    def of(cls, t: torch.Tensor) -> Raw:
        """The bytes of a plain tensor, copied to the CPU (any layout other than strided,
        or a meta tensor, raises)."""
        import torch

        t = t.detach()
        if t.device.type != "cpu":
            t = t.cpu()
        if t.dtype in _numpy_types() and not (t.is_conj() or t.is_neg()):
            data = t.numpy().tobytes()   # numpy copies in C order: the fastest way here
        else:
            t = t.resolve_conj().resolve_neg().contiguous()
            data = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        return cls(str(t.dtype)[6:], list(t.shape), data)


@functools.cache
def _numpy_types() -> frozenset:
    """The dtypes Tensor.numpy() takes (all of DTYPES but bfloat16). Found on first use:
    importing this module must not import torch (the zygote starts meanwhile)."""
    import torch

    return frozenset(getattr(torch, name) for name in DTYPES if name != "bfloat16")


def _blob(tensors):
    """tensors: {key: Raw or torch.Tensor}."""
    index, parts, offset = [], [], 0
    for key, t in tensors.items():
        raw = t if isinstance(t, Raw) else Raw.of(t)
        index.append([key, raw.dtype, raw.shape, offset, len(raw.data)])
        parts.append(raw.data)
        offset += len(raw.data)
    head = json.dumps(index).encode()
    return _LEN.pack(len(head)) + head + b"".join(parts)


def pack(header: dict[str, Any], tensors: Mapping[str, Raw | torch.Tensor] | None = None) -> bytes:
    """Serialise one message to bytes."""
    blob = _blob(tensors) if tensors else b""
    head = json.dumps(header).encode()
    return _LEN.pack(len(head)) + head + _LEN.pack(len(blob)) + blob


def unpack_blob(blob: bytes) -> dict[str, torch.Tensor]:
    """{key: tensor} from a blob, checking every entry of the index against the bytes.
    The tensors share one writable copy of the bytes."""
    import numpy
    import torch

    if not blob:
        return {}
    (n,) = _LEN.unpack_from(blob, 0)
    index, data = json.loads(blob[8:8 + n]), bytearray(blob[8 + n:])
    tensors = {}
    for key, dtype, shape, offset, size in index:
        if dtype not in DTYPES or not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
            raise WireError(f"tensor {key!r}: unsupported dtype or shape")
        kind = getattr(torch, dtype)
        numel = math.prod(shape)
        if type(offset) is not int or size != numel * kind.itemsize or not 0 <= offset <= len(data) - size:
            raise WireError(f"tensor {key!r}: its bytes do not match its shape")
        if not numel:
            tensors[key] = torch.empty(shape, dtype=kind)
        elif dtype == "bfloat16":   # numpy has no bfloat16
            raw = torch.frombuffer(data, dtype=torch.uint8, count=size, offset=offset)
            tensors[key] = raw.view(kind).reshape(shape)
        else:
            tensors[key] = torch.from_numpy(numpy.frombuffer(data, dtype=dtype, count=numel, offset=offset)
                                            .reshape(shape))
    return tensors


def read_exact(fd: int, n: int) -> bytes:
    """Blocking read of exactly n bytes (worker side)."""
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise WireError("the other side closed the channel")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_message(fd: int) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """Blocking read of one whole message: returns (header, tensors)."""
    (n,) = _LEN.unpack(read_exact(fd, 8))
    if n > MAX_HEADER:
        raise WireError("header too large")
    header = json.loads(read_exact(fd, n))
    (n,) = _LEN.unpack(read_exact(fd, 8))
    if n > MAX_BLOB:
        raise WireError("reply too large")
    return header, unpack_blob(read_exact(fd, n))


def write_all(fd: int, data: bytes, deadline: float | None = None) -> None:
    """Write all of data. deadline (time.monotonic()): fd is non-blocking, and every wait
    for room in the pipe ends then with WriteTimeout (a reader that reads slowly, or
    shrank its pipe, cannot hold the writer longer)."""
    import time

    view = memoryview(data)
    while view:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([], [fd], [], left)[1]:
                raise WriteTimeout("the other side did not read in time")
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            continue


class Reader:
    """Incremental parser for the trusted side, which reads with select() and a deadline.
    limit: the most bytes one message may have; refused (TooLarge) as soon as its
    lengths are read, before the rest is."""

    def __init__(self, limit: int = MAX_HEADER + MAX_BLOB) -> None:
        self.buf = bytearray()
        self.limit = limit

    def feed(self, data: bytes) -> None:
        self.buf += data

    def message(self) -> tuple[Any, dict[str, torch.Tensor]] | None:
        """Return (header, tensors) once a whole message has arrived, else None."""
        if len(self.buf) < 8:
            return None
        (n,) = _LEN.unpack_from(self.buf, 0)
        if n > MAX_HEADER or 16 + n > self.limit:
            raise TooLarge(16 + n, self.limit)
        if len(self.buf) < 16 + n:
            return None
        (m,) = _LEN.unpack_from(self.buf, 8 + n)
        if m > MAX_BLOB or 16 + n + m > self.limit:
            raise TooLarge(16 + n + m, self.limit)
        if len(self.buf) < 16 + n + m:
            return None
        try:
            text = bytes(self.buf[8:8 + n])
            header = json.loads(text)
            if _MAY_HOLD_SURROGATE.search(text):
                header = clean(header)
            tensors = unpack_blob(bytes(self.buf[16 + n:16 + n + m]))
        except Exception as exc:
            raise WireError(f"unreadable message: {exc}") from None
        del self.buf[:16 + n + m]
        return header, tensors
