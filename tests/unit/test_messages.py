"""Every sentence a student reads exists in Chinese and in English, with the same fields,
and every message key the code names (and every hint id, "hint_" + id) exists."""
import ast
import re
import string
from pathlib import Path

from autograder.common.messages import LANGUAGES, MESSAGES


def fields(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_in_every_language_with_the_same_fields():
    for key, texts in MESSAGES.items():
        assert set(texts) == set(LANGUAGES), key
        assert fields(texts["zh"]) == fields(texts["en"]), key


# -- every key the code names exists --------------------------------------------------
ROOT = Path(__file__).resolve().parents[2]   # tests/unit/ -> the checkout
# Their .py files, and bench/*.sh, read against Task 1's texts and the engine's; every other
# assignment's folder against its own (test_each_assignment_says_what_its_code_names).
SCANNED = ("autograder", "assignments/task1", "reference/task1", "starter/task1", "bench")

# say("key", ...), say('key'), messages.say("key"), checks.say(...): the key is a literal
# followed by "," or ")", so say("hint_" + hint) (a key built at run time) is not one.
# MESSAGES["key"] likewise, and not MESSAGES["hint_" + hint].
KEY_PATTERNS = (re.compile(r"""\bsay\(\s*(["'])(\w+)\1\s*[,)]"""),
                re.compile(r"""\bMESSAGES\[\s*(["'])(\w+)\1\s*\]"""))


def message_keys(text):
    """[(key, line)] for each message key named literally in text (Python, or shell with
    Python inside)."""
    return [(m.group(2), text.count("\n", 0, m.start()) + 1) for p in KEY_PATTERNS for m in p.finditer(text)]


def _strings(node):
    """The string literals an expression may give: "a", "a" if c else "b", x or "a"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _strings(value)


def _pairs(node):
    """The hint ids of a literal list of classic mistakes: [(hint id, outputs), ...]."""
    if isinstance(node, (ast.List, ast.Tuple)):
        for elt in node.elts:
            if isinstance(elt, ast.Tuple) and len(elt.elts) == 2:
                yield from _strings(elt.elts[0])


def _name(func):
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _arg(call, index, keyword):
    if len(call.args) > index:
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def hint_ids(source, mistakes_file=False):
    """[(id, line)] for each hint id named literally in Python source; its message key is
    "hint_" + id (checks.with_hint). Hint ids are:
    - with_hint(message, "id"), and what a variable named `hint` is set to;
    - what a function named *_hint returns (checks._shape_hint, checks.error_hint), and
      what its result is compared with (error_hint(text) == "id");
    - the first item of each (id, outputs) pair in a list of classic mistakes: in a
      function named *_mistakes (reference/mistakes.py), or given to hinted(got, want,
      mistakes) directly or through a variable (starter/selfcheck.py); in a mistakes.py
      (mistakes_file), in any of its functions, whatever their names (an assignment made
      from a spec names them after its functions: grading/spec.py)."""
    tree = ast.parse(source)
    found, mistake_lists = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) == "with_hint":
            found += _strings(_arg(node, 1, "hint"))
        elif isinstance(node, ast.Call) and _name(node.func) == "hinted":
            mistakes = _arg(node, 2, "mistakes")
            found += _pairs(mistakes)
            if isinstance(mistakes, ast.Name):
                mistake_lists.add(mistakes.id)
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "hint" for t in node.targets):
            found += _strings(node.value)
        elif (isinstance(node, ast.Compare) and isinstance(node.left, ast.Call)
              and _name(node.left.func).endswith("_hint")):
            for value in node.comparators:
                found += _strings(value)
        elif isinstance(node, ast.FunctionDef) and node.name.endswith("_hint"):
            found += (s for r in ast.walk(node) if isinstance(r, ast.Return) for s in _strings(r.value))
        elif isinstance(node, ast.FunctionDef) and (node.name.endswith("_mistakes") or mistakes_file):
            found += (s for n in ast.walk(node) for s in _pairs(n) if isinstance(n, ast.List))
    for node in ast.walk(tree):   # mistakes = [(id, outputs), ...]; hinted(got, want, mistakes)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in mistake_lists
                                                for t in node.targets):
            found += _pairs(node.value)
    return sorted({(s.value, s.lineno) for s in found}, key=lambda x: (x[1], x[0]))


def used_keys(root=ROOT, folders=SCANNED):
    """{message key: ["path:line", ...]} for every key named in the scanned files."""
    used = {}
    for folder in folders:
        base = Path(root) / folder
        files = sorted(base.rglob("*.py")) + sorted(base.glob("*.sh"))
        for path in files:
            text = path.read_text(encoding="utf-8")
            keys = message_keys(text)
            if path.suffix == ".py":
                keys += [("hint_" + hint, line) for hint, line in hint_ids(text, path.name == "mistakes.py")]
            for key, line in keys:
                used.setdefault(key, []).append(f"{path.relative_to(root)}:{line}")
    return used


def missing_keys(used, messages=MESSAGES):
    """The keys of used that messages lacks, or has without a text in every language."""
    return {key: where for key, where in sorted(used.items())
            if not all(messages.get(key, {}).get(lang) for lang in LANGUAGES)}


def describe_missing(missing):
    return "message keys missing from autograder/common/messages.py (or without zh and en):\n" + "\n".join(
        f"  {key}: used at {', '.join(where)}" for key, where in missing.items())


def test_the_scanner_finds_literal_keys_and_hint_ids():
    text = '''say("plain", x=1)
checks.say('quoted')
messages.say(
    "next_line", fn=fn)
text = MESSAGES["indexed"]["en"]
say("hint_" + hint, **fields)
MESSAGES["what_" + detail]
'''
    assert message_keys(text) == [("plain", 1), ("quoted", 2), ("next_line", 3), ("indexed", 5)]
    source = '''def forward_mistakes(ref, X):
    return [("no_bias", X), (X, "not_an_id")]

def _shape_hint(name):
    return "transposed" if name else None

def check(got, want, c):
    raise Mismatch(with_hint(message, "wrong_dtype", name=name))
    hint = "clamp32" if c else "clamp"
    scaled = [("missing_mean", want), ("double_mean", want)]
    with checks.hinted(got, want, scaled, m=m):
        pass
    with hinted(got, want, [("summed", want)]):
        pass
    ok = error_hint(str(exc)) == "numpy"
    steps = [("forward", check), ("loss", check)]
'''
    assert hint_ids(source) == [("no_bias", 2), ("transposed", 5), ("wrong_dtype", 8), ("clamp", 9),
                                ("clamp32", 9), ("double_mean", 10), ("missing_mean", 10), ("summed", 13),
                                ("numpy", 15)]


def test_a_spec_assignments_mistakes_are_scanned_whatever_their_functions_are_named():
    source = 'def log_loss(ref, sizes, p, y):\n    return [("summed", ref.log_loss(p, y) * 2)]\n'
    assert hint_ids(source, mistakes_file=True) == [("summed", 2)]
    assert hint_ids(source) == [], "outside a mistakes.py, only functions named *_mistakes are read"


def test_a_key_missing_from_messages_is_reported_with_where_it_is_used(tmp_path):
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "check.sh").write_text('python - <<EOF\nprint(MESSAGES["internal_error"]["en"])\nEOF\n')
    (tmp_path / "bench" / "x.py").write_text('say("seed", seed=1)\n\nsay("no_such_key")\n'
                                             'with_hint(m, "no_such_hint")\n')
    missing = missing_keys(used_keys(tmp_path, ["bench"]))
    assert missing == {"hint_no_such_hint": ["bench/x.py:4"], "internal_error": ["bench/check.sh:2"],
                       "no_such_key": ["bench/x.py:3"]}
    assert "  no_such_key: used at bench/x.py:3" in describe_missing(missing)


def test_every_message_key_named_in_the_code_exists_in_both_languages():
    used = used_keys()
    # The scanner sees the code: a key from each kind of use.
    for key in ("seed", "grader_failed", "hint", "hint_numpy_on_device", "hint_grad_missing_mean",
                "hint_grad_transposed", "hint_float32_clamp", "hint_loss_summed", "hint_sgd_unchanged"):
        assert key in used, key
    missing = missing_keys(used)
    assert not missing, describe_missing(missing)


def test_each_assignment_says_what_its_code_names():
    """Another assignment's code against its own texts.py and the engine's messages; and
    every hint the engine's checks give (those named in autograder/) has its text there."""
    from collections import ChainMap

    from autograder import assignment
    from autograder.common.messages import ENGINE

    engine_hints = {k: w for k, w in used_keys(ROOT, ["autograder"]).items() if k.startswith("hint_")}
    assert "hint_wrong_dtype" in engine_hints
    for name in assignment.names():
        texts = getattr(assignment.load(name).part("texts"), "MESSAGES", {})
        used = {**used_keys(ROOT, [f"assignments/{name}", f"reference/{name}", f"starter/{name}"]), **engine_hints}
        for fn, spec in getattr(assignment.load(name).contract, "SPEC", {}).items():   # the spec's own hint ids
            if spec.get("transposed"):
                used.setdefault("hint_" + spec["transposed"], []).append(f"assignments/{name}/contract.py: SPEC[{fn!r}]")
        missing = missing_keys(used, ChainMap(texts, ENGINE))
        assert not missing, f"{name}: " + describe_missing(missing)


def test_every_status_of_a_submission_is_said_in_words():
    """The class report's status column names each status export.py gives (its keys are
    built at run time, "status_" + status, so the scanner above cannot see them)."""
    from autograder.classroom.export import STATUSES

    for status in STATUSES:
        assert all(MESSAGES.get(f"status_{status}", {}).get(lang) for lang in LANGUAGES), status
