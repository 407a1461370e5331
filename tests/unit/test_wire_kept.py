"""Tensors not sent twice (wire.Known on the trusted side, wire.Kept in the worker): a
tensor the worker holds is named instead of sent, and the worker's function gets the
same fresh tensor that sending it again would give. A tensor changed in place is sent
again; the worker keeps a bounded number; the last reply's tensors are named too."""
import io
import os

import pytest
import torch

from autograder.sandbox.worker import wire


class Pair:
    """A trusted side and a worker, talking through a pipe, in this process."""

    def __init__(self, limit=wire.KEPT_MAX):
        self.known, self.kept = wire.Known(limit), wire.Kept()

    def call(self, args, reply=None):
        """args to the worker; returns (the args it got, the bytes of tensors sent); reply:
        what the worker returns (its tensors then come back and may be named)."""
        self.known.begin()
        tree, tensors = wire.encode({"args": args}, self.known)
        data = wire.pack({"call": tree, "kept": self.known.header()}, tensors)
        r, w = os.pipe()
        with io.FileIO(w, "w") as f:
            f.write(data)
        try:
            header, got = wire.read_message(r, self.kept)
        finally:
            os.close(r)
        value = wire.decode(header["call"], got)["args"]
        out_tree, out = wire.encode(reply)
        self.kept.replied(out)
        reader = wire.Reader()
        reader.feed(wire.pack({"value": out_tree}, out))
        head, back = reader.message()
        self.known.replied(back)
        return value, sum(len(raw.data) for raw in tensors.values()), wire.decode(head["value"], back)


def same(a, b):
    return type(b) is torch.Tensor and a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16, torch.int64, torch.bool])
def test_a_tensor_sent_again_is_named_and_arrives_fresh(dtype):
    pair = Pair()
    X = torch.arange(12).reshape(3, 4).to(dtype)
    first, sent, _ = pair.call([X])
    assert sent == X.numel() * X.element_size() and same(X, first[0])
    first[0].zero_() if dtype != torch.bool else first[0].fill_(False)   # the worker's code spoils its copy
    again, sent, _ = pair.call([X, X])
    assert sent == 0 and same(X, again[0]) and same(X, again[1])
    assert again[0].data_ptr() != again[1].data_ptr()   # two fresh tensors, as two sent would be


def test_a_tensor_changed_in_place_is_sent_again():
    pair = Pair()
    X = torch.ones(2, 3)
    pair.call([X])
    X.mul_(5)
    got, sent, _ = pair.call([X])
    assert sent == 24 and same(X, got[0])
    got, sent, _ = pair.call([X])
    assert sent == 0 and same(X, got[0])


def test_the_last_replys_tensors_are_named_when_sent_back():
    pair = Pair()
    _, _, reply = pair.call([], reply={"W": torch.full((2, 2), 3.0), "b": torch.zeros(2)})
    got, sent, _ = pair.call([reply["W"], reply["b"]])
    assert sent == 0 and same(reply["W"], got[0]) and same(reply["b"], got[1])
    got, sent, _ = pair.call([reply["W"]])   # kept beyond the next call
    assert sent == 0 and same(reply["W"], got[0])


def test_the_worker_keeps_at_most_the_limit():
    pair = Pair(limit=4)
    tensors = [torch.full((2,), float(i)) for i in range(10)]
    for t in tensors:
        pair.call([t])
    assert len(pair.kept.raws) <= 5 and len(pair.known.entries) <= 5
    got, sent, _ = pair.call([tensors[0], tensors[-1]])   # the oldest was dropped: sent again
    assert sent == 8 and same(tensors[0], got[0]) and same(tensors[-1], got[1])


def test_a_name_the_worker_lacks_is_a_wire_error():
    kept = wire.Kept()
    with pytest.raises(wire.WireError):
        kept.receive({"kept": {"use": {"t0": "k9"}}}, b"")
