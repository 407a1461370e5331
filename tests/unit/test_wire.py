"""sandbox/worker/wire.py, the only way values cross between grader and worker: what goes
in comes out (every dtype, shapes and layouts, nested containers), what is not a plain
value comes out as a Foreign description, and a malformed or oversized message is
refused with WireError (TooLarge) instead of being believed."""
import json

import numpy
import pytest
import torch

from autograder.sandbox.worker import wire


def send(value, limit=wire.MAX_HEADER + wire.MAX_BLOB):
    """value through encode, pack, a Reader and decode, as a reply travels."""
    tree, tensors = wire.encode(value)
    reader = wire.Reader(limit)
    reader.feed(wire.pack({"value": tree}, tensors))
    header, received = reader.message()
    assert reader.buf == b""
    return wire.decode(header["value"], received)


def read(data):
    reader = wire.Reader()
    reader.feed(data)
    return reader.message()


def sample(dtype, shape=(3, 4)):
    gen = torch.Generator().manual_seed(0)
    if dtype == torch.bool:
        return torch.rand(shape, generator=gen) < 0.5
    if dtype.is_floating_point:
        return torch.randn(shape, generator=gen, dtype=torch.float64).to(dtype) * 100
    info = torch.iinfo(dtype)
    return torch.randint(info.min, info.max, shape, generator=gen, dtype=torch.int64).to(dtype)


def same(a, b):
    return type(b) is torch.Tensor and a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)


# -- what goes in comes out ---------------------------------------------------------
@pytest.mark.parametrize("name", wire.DTYPES)
def test_every_dtype_round_trips(name):
    t = sample(getattr(torch, name))
    got = send(t)
    assert same(t, got), (name, t, got)


@pytest.mark.parametrize("name", wire.DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (0, 3), (2, 0, 5)])
def test_zero_dim_and_empty_tensors_keep_their_shape(name, shape):
    t = sample(getattr(torch, name), shape) if shape == () else torch.empty(shape, dtype=getattr(torch, name))
    got = send(t)
    assert same(t, got), (name, shape, got)


@pytest.mark.parametrize("name", ["float64", "float32", "bfloat16", "int64", "bool"])
def test_non_contiguous_tensors_arrive_as_their_values(name):
    base = sample(getattr(torch, name), (6, 5))
    for view in (base.T, base[::2, 1:], base[:, 3], base.expand(2, 6, 5), base.unsqueeze(0).transpose(0, 2)):
        got = send(view)
        assert same(view.contiguous(), got), (name, view.stride())
    neg = torch._neg_view(base) if base.dtype.is_floating_point else -base if base.dtype != torch.bool else base
    assert same(neg.clone(), send(neg))


def test_what_arrives_is_a_writable_plain_tensor():
    got = send(torch.arange(6.0).reshape(2, 3))
    got += 1   # the student's values may be changed by the grader's checks
    assert got.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


def test_nested_containers_and_plain_values():
    t = torch.arange(4, dtype=torch.float32)
    value = {"a": [1, 2.5, (True, None, "text")], "b": {"c": -7, "t": t, "u": (t[::2], [])},
             "empty": {}, "f": float("inf"), "big": 2**62, "no": False}
    got = send(value)
    assert type(got["a"]) is list and type(got["a"][2]) is tuple
    assert got["a"][:2] == [1, 2.5] and got["a"][2] == (True, None, "text") and type(got["a"][2][0]) is bool
    assert got["b"]["c"] == -7 and same(t, got["b"]["t"]) and same(t[::2].contiguous(), got["b"]["u"][0])
    assert got["b"]["u"][1] == [] and got["empty"] == {} and got["f"] == float("inf")
    assert got["big"] == 2**62 and got["no"] is False and type(got["no"]) is bool
    assert send(None) is None and send(3) == 3 and send("x") == "x" and send((1,)) == (1,)


def test_tensors_are_copied_when_encoded():
    """What is sent is the value at encode time: a student's code that changes its tensor
    afterwards (or the grader reusing it) changes nothing on the wire."""
    t = torch.zeros(3)
    b = torch.zeros(2, dtype=torch.bfloat16)
    tree, tensors = wire.encode({"t": t, "b": b})
    t += 5
    b += 5
    header, received = read(wire.pack({"v": tree}, tensors))
    got = wire.decode(header["v"], received)
    assert got["t"].tolist() == [0.0, 0.0, 0.0] and got["b"].tolist() == [0.0, 0.0]


def test_long_strings_and_containers_are_cut():
    got = send({"s": "x" * 10_000, "l": list(range(100))})
    assert got["s"] == "x" * 500 and got["l"] == list(range(64))


# -- what is not a plain value: a Foreign description --------------------------------
class Sub(torch.Tensor):
    pass


class Hostile:
    def __repr__(self):
        raise RuntimeError("you shall not print")


class Loud:
    def __repr__(self):
        return "L" * 1000


def test_a_tensor_subclass_is_foreign():
    got = send({"A2": torch.zeros(2).as_subclass(Sub)})["A2"]
    assert isinstance(got, wire.Foreign) and got.detail == "@subclass"
    assert got.type_name == f"{__name__}.Sub"


def test_a_numpy_array_is_foreign_with_its_repr():
    got = send(numpy.arange(3))
    assert isinstance(got, wire.Foreign) and got.type_name == "numpy.ndarray"
    assert got.detail == "array([0, 1, 2])"


def test_a_hostile_repr_neither_breaks_the_reply_nor_floods_it():
    got = send([Hostile(), Loud()])
    assert isinstance(got[0], wire.Foreign) and got[0].detail == "<repr failed: RuntimeError>"
    assert got[0].type_name == f"{__name__}.Hostile"
    assert got[1].detail == "L" * 200 + "..."


def test_other_containers_and_deep_nesting_are_foreign():
    class MyDict(dict):
        pass

    nested = []
    for _ in range(30):
        nested = [nested]
    got = send({"d": MyDict(a=1), "deep": nested, "od": __import__("collections").OrderedDict(x=1)})
    assert isinstance(got["d"], wire.Foreign) and got["d"].type_name.endswith("MyDict")
    assert got["od"] == {"x": 1}
    inner = got["deep"]
    while isinstance(inner, list):
        inner = inner[0]
    assert isinstance(inner, wire.Foreign) and inner.detail == "@too_deep"


def test_a_type_name_is_shown_with_word_characters_only():
    tree = {"k": "other", "type": "evil](http://x)<b>", "detail": "d" * 500}
    got = wire.decode(tree, {})
    assert got.type_name == "evil??http???x??b?" and len(got.detail) == 203


def test_a_tensor_on_a_device_this_side_lacks_is_foreign():
    """The worker says where its tensor was; without that device here, the value cannot
    be rebuilt and is described, never guessed onto the CPU."""
    tree, tensors = wire.encode(torch.ones(2))
    tree["device"] = "cuda:0"
    header, received = read(wire.pack({"v": tree}, tensors))
    got = wire.decode(header["v"], received)
    if torch.cuda.is_available():
        assert got.device.type == "cuda"
    else:
        assert isinstance(got, wire.Foreign) and got.type_name == "torch.Tensor" and got.detail == "@unsendable"


def test_a_tensor_the_index_lacks_is_foreign():
    got = wire.decode({"k": "tensor", "key": "t9", "device": "cpu"}, {})
    assert isinstance(got, wire.Foreign) and got.type_name == "missing tensor"


# -- malformed messages ---------------------------------------------------------
def message(header_bytes, blob=b""):
    return wire._LEN.pack(len(header_bytes)) + header_bytes + wire._LEN.pack(len(blob)) + blob


def blob(index, data):
    head = json.dumps(index).encode()
    return wire._LEN.pack(len(head)) + head + data


def test_a_header_over_the_limit_is_refused_before_it_arrives():
    reader = wire.Reader()
    reader.feed(wire._LEN.pack(wire.MAX_HEADER + 1))   # only the length: the rest never comes
    with pytest.raises(wire.TooLarge) as info:
        reader.message()
    assert info.value.size == wire.MAX_HEADER + 17


def test_a_message_over_the_readers_limit_is_refused_from_its_lengths():
    data = wire.pack({"v": 1}, {"t": torch.zeros(1000)})
    reader = wire.Reader(limit=1000)
    reader.feed(data[:30])
    with pytest.raises(wire.TooLarge) as info:
        reader.message()
    assert info.value.size == len(data) and info.value.limit == 1000
    reader = wire.Reader(limit=len(data))
    reader.feed(data)
    assert reader.message()[1]["t"].shape == (1000,)


EIGHT = numpy.arange(2, dtype="float32").tobytes()   # 8 bytes: two float32


@pytest.mark.parametrize("why, index", [
    ("more bytes than the shape", [["t", "float32", [3], 0, 8]]),
    ("fewer bytes than the shape", [["t", "float32", [1], 0, 8]]),
    ("a dtype that is not allowed", [["t", "complex64", [1], 0, 8]]),
    ("an object dtype", [["t", "object", [1], 0, 8]]),
    ("a negative dimension", [["t", "float32", [-2], 0, -8]]),
    ("a float dimension", [["t", "float32", [2.0], 0, 8]]),
    ("a shape that is no list", [["t", "float32", 2, 0, 8]]),
    ("an offset past the end", [["t", "float32", [2], 8, 8]]),
    ("a negative offset", [["t", "float32", [1], -4, 4]]),
    ("an offset that is no int", [["t", "float32", [2], 0.0, 8]]),
    ("a bfloat16 that overruns", [["t", "bfloat16", [5], 0, 10]]),
])
def test_a_blob_whose_index_lies_is_refused(why, index):
    with pytest.raises(wire.WireError, match="tensor 't'"):
        wire.unpack_blob(blob(index, EIGHT))
    with pytest.raises(wire.WireError, match="unreadable message"):
        read(message(b"{}", blob(index, EIGHT)))


def test_the_honest_index_of_the_same_bytes_is_read():
    got = wire.unpack_blob(blob([["t", "float32", [2], 0, 8], ["u", "int8", [2, 2], 4, 4]], EIGHT))
    assert got["t"].tolist() == [0.0, 1.0] and got["u"].shape == (2, 2)


@pytest.mark.parametrize("header", [b"not json", b"{\"a\": ", b"\xff\xfe", b"[1, 2"])
def test_a_header_that_is_not_json_is_refused(header):
    with pytest.raises(wire.WireError, match="unreadable message"):
        read(message(header))


def test_a_blob_index_that_is_not_json_is_refused():
    with pytest.raises(wire.WireError):
        read(message(b"{}", wire._LEN.pack(5) + b"[[[[[" + EIGHT))


def test_a_truncated_message_waits_until_it_is_whole():
    data = wire.pack({"v": "x"}, {"t": torch.arange(5.0)}) + wire.pack({"next": 1})
    first = len(wire.pack({"v": "x"}, {"t": torch.arange(5.0)}))
    reader = wire.Reader()
    for i in range(first - 1):
        reader.feed(data[i:i + 1])
        assert reader.message() is None, f"a message after {i + 1} of {first} bytes"
    reader.feed(data[first - 1:])
    header, tensors = reader.message()
    assert header == {"v": "x"} and tensors["t"].tolist() == [0, 1, 2, 3, 4]
    assert reader.message() == ({"next": 1}, {}) and reader.message() is None


# -- lone surrogates (a student's str may carry them; no UTF-8 encoder accepts them) ----
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udcff", "\udfff"]


def _escaped(char, upper):
    text = f"\\u{ord(char):04x}"
    return text[:2] + text[2:].upper() if upper else text


@pytest.mark.parametrize("char", SURROGATES)
@pytest.mark.parametrize("how", ["escaped", "uppercase", "mixed case", "raw bytes"])
def test_a_lone_surrogate_in_a_header_becomes_u_fffd(char, how):
    if how == "raw bytes":   # what json.loads lets through (it decodes with surrogatepass)
        piece = char.encode("utf-8", "surrogatepass")
    else:
        piece = _escaped(char, how == "uppercase").encode()
        if how == "mixed case":
            piece = piece[:2] + piece[2:3].upper() + piece[3:]
    raw = b'{"text": "a' + piece + b'b", "k' + piece + b'": [1, "' + piece + b'"]}'
    header, _ = read(message(raw))
    assert header == {"text": "a\ufffdb", "k\ufffd": [1, "\ufffd"]}, (how, header)
    json.dumps(header, ensure_ascii=False).encode("utf-8")   # printable, writable to results.json


def test_what_pack_sends_of_a_surrogate_is_cleaned():
    header, _ = read(wire.pack({"out": "printed \udcff by a student"}))
    assert header == {"out": "printed \ufffd by a student"}


def test_text_without_a_lone_surrogate_is_left_as_it_is():
    """A pair of surrogates is one character (an emoji), and text near the range is not in
    it: the fast path (no cleaning) and the cleaning agree on all of these."""
    for text in ["plain", "中文", "😀 \\ud83d", "\ud7ff\ue000", "\\udcff as text", "é\u00ed"]:
        header, _ = read(wire.pack({"t": text}))
        assert header == {"t": text}, text
    header, _ = read(message('{"t": "\\ud83d\\ude00 \U0001F600"}'.encode()))
    assert header == {"t": "😀 😀"}


def test_clean_and_safe_text():
    assert wire.safe_text("a\udcffb\ud800") == "a\ufffdb\ufffd"
    assert wire.clean({"\udcff": ["\ud800", 1, None, {"x": "\udfff"}]}) == {"\ufffd": ["\ufffd", 1, None, {"x": "\ufffd"}]}


def test_every_tree_encode_makes_is_decoded():
    value = {"a": torch.ones(2), "b": [1, 2.5, None, True, "x", (torch.zeros(1), {"c": object()})], "d": numpy.ones(1)}
    tree, _ = wire.encode(value)
    got = wire.decode(tree, {})   # no tensors sent: each is a Foreign "missing tensor"
    assert set(got) == {"a", "b", "d"} and isinstance(got["d"], wire.Foreign)


@pytest.mark.parametrize("forged", [
    None, [], "x", {}, {"k": 3}, {"k": "tensor"}, {"k": "tensor", "key": 1}, {"k": "num", "v": "1"},
    {"k": "num", "v": [1]}, {"k": "str", "v": 2}, {"k": "dict", "items": {}}, {"k": "dict", "items": [["a"]]},
    {"k": "dict", "items": [["a", {"k": "?"}]]}, {"k": "seq", "items": [None]}, {"k": "unknown"}],
    ids=repr)
def test_a_forged_tree_is_refused(forged):
    """What a student's code writes on the channel instead of the worker's reply: refused
    as their error (WireError, handle.py), never any other exception, which would be the
    grader's."""
    with pytest.raises(wire.WireError):
        wire.decode(forged, {})


def test_a_tree_nested_too_deep_is_refused():
    tree = {"k": "none"}
    for _ in range(wire.DEEPEST_TREE + 2):
        tree = {"k": "seq", "type": "list", "items": [tree]}
    with pytest.raises(wire.WireError):
        wire.decode(tree, {})


def test_odd_but_well_formed_trees_decode():
    for tree in ({"k": "other", "type": 5, "detail": ["x"]}, {"k": "dict", "type": 7, "items": [[1, {"k": "none"}]]},
                 {"k": "seq", "type": None, "items": []}, {"k": "tensor", "key": "missing"}):
        wire.decode(tree, {})
