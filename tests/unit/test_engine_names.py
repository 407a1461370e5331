"""The engine knows no assignment: no name of one appears in autograder/ where it would
name that assignment's things. An assignment's names are those of its folder, its file
(mlp.py, and the module mlp), and every name its contract.py holds that its reference
solution uses as a name, an identifier or a string that is one (a dict key): functions,
parameters, gradients, cache entries, inputs; not the spec's own words (kind, shape,
points, fn, gpu: the engine's vocabulary), nor torch's (Tensor.backward, Module.forward:
the guard and the device check speak of them), nor single letters. Each is refused in
the engine according to what kind of word it is:

- a coined name, with an underscore, a digit or a capital (bce_loss, W1, dW2, task1), and
  the folder's and the module's names: anywhere, in code, strings and comments;
- a short lowercase word, of 2 or 3 letters (dw, db, lr): as a whole string literal
  ("dw"), which is how code names an assignment's thing (a dict key, getattr); the
  engine's own variables and prose may use such a word;
- an ordinary word, lowercase letters only and 4 or more (scores, loss, grads, predict):
  nowhere, since the engine uses such words in its own sense (its report's "scores");
- a word the contract lists in ENGINE_WORDS (a tuple of strings, if it has one): nowhere,
  for a short word the engine also uses for itself (an input named "out", say).
"""
import ast
import io
import re
import tokenize
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from autograder import assignment, config

PACKAGE = Path(config.__file__).resolve().parent
ANYWHERE, AS_STRING = "anywhere", "as a string"


def torch_word(word):
    return any(hasattr(owner, word) for owner in (torch, torch.Tensor, torch.nn.Module, torch.autograd))


def kind_of(word):
    """How word is refused in the engine: ANYWHERE, AS_STRING or None (an ordinary word)."""
    if re.search(r"[_0-9A-Z]", word):
        return ANYWHERE
    return AS_STRING if len(word) <= 3 else None


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings_in(k)
            yield from strings_in(v)
    elif isinstance(value, (tuple, list, set)):
        for v in value:
            yield from strings_in(v)


def tokens(path):
    return tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)


def names_in(path):
    """The names path's code uses: its identifiers and the strings that are one (dict keys)."""
    return {tok.string for tok in tokens(path) if tok.type == tokenize.NAME} | {
        literal(tok.string) for tok in tokens(path)
        if tok.type == tokenize.STRING and isinstance(literal(tok.string), str) and literal(tok.string).isidentifier()}


def names_of(task):
    """{word: ANYWHERE or AS_STRING} for the words that belong to task."""
    words, used = {}, names_in(task.reference)
    for key, value in vars(task.contract).items():
        if key.isupper() and key not in ("FILE", "TITLE", "ENGINE_WORDS"):
            words.update((w, kind_of(w)) for s in strings_in(value) for w in re.findall(r"\w+", s) if w in used)
    words.update({task.name: ANYWHERE, task.module: ANYWHERE})
    exempt = set(getattr(task.contract, "ENGINE_WORDS", ()))
    return {w: kind for w, kind in words.items()
            if kind and len(w) > 1 and not torch_word(w) and w not in exempt}


def literal(text):
    """The value of a string token (None for an f-string)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None


def occurrences(words, root=PACKAGE):
    """[(file:line, word)] of words in root's Python files: those ANYWHERE as whole words in
    names, strings and comments, those AS_STRING as a whole string literal."""
    found = []
    anywhere = sorted(w for w, kind in words.items() if kind == ANYWHERE)
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, anywhere)) + r")\b") if anywhere else None
    as_string = {w for w, kind in words.items() if kind == AS_STRING}
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        for tok in tokens(path):
            at = f"{path.relative_to(root.parent)}:{tok.start[0]}"
            if pattern and tok.type in (tokenize.NAME, tokenize.STRING, tokenize.COMMENT):
                found += [(at, match.group(1)) for match in pattern.finditer(tok.string)]
            if tok.type == tokenize.STRING and literal(tok.string) in as_string:
                found.append((at, literal(tok.string)))
    return found


@pytest.mark.parametrize("name", assignment.names())
def test_the_engine_has_no_name_of_an_assignment(name):
    task = assignment.load(name)
    found = occurrences(names_of(task))
    assert not found, f"the engine names {name}'s own words:\n" + "\n".join(f"{w} at {at}" for at, w in found)


def test_the_check_sees_names():
    """Not vacuous: Task 1's words are found, and found where a copy of the engine holds one;
    Task 2's short ones are found where code names them as strings."""
    words = names_of(assignment.load("task1"))
    assert {w for w, kind in words.items() if kind == ANYWHERE} >= \
        {"mlp", "task1", "bce_loss", "sgd_step", "W1", "dW2", "Z1", "A2"}
    assert "backward" not in words and "forward" not in words   # torch's own
    assert occurrences(words, PACKAGE.parent / "assignments")   # the assignment itself is full of them
    task2 = names_of(assignment.load("task2"))
    assert task2["dw"] == task2["db"] == AS_STRING and "predict" not in task2
    assert not {"fn", "gpu", "kind", "points"} & set(task2)   # the spec's words, not the assignment's
    assert {w for _, w in occurrences(task2, PACKAGE.parent / "reference")} >= {"dw", "db", "log_loss"}


def fake(tmp_path, functions, code="", **contract):
    """An assignment whose contract names functions (and whatever else contract holds), with
    a reference that defines them and holds code."""
    reference = tmp_path / "scorer.py"
    reference.write_text("".join(f"def {fn}(logits, labels):\n    pass\n" for fn in functions) + code)
    return SimpleNamespace(name="task9", module="scorer", reference=reference, contract=SimpleNamespace(
        FILE="scorer.py", FUNCTIONS=functions, TAGS={fn: fn for fn in functions}, **contract))


def test_ordinary_words_may_name_an_assignments_functions(tmp_path):
    """scores, loss, grads, predict: words the engine uses for itself (the report's "scores"),
    which a contract may use too; a coined name the engine holds is still refused."""
    assert occurrences({"scores": ANYWHERE})   # the engine does say scores
    task = fake(tmp_path, ("scores", "loss", "grads", "predict"), INPUTS={"scores": ("logits", "labels")})
    assert not set(names_of(task)) & {"scores", "loss", "grads", "predict", "logits", "labels"}
    assert not occurrences(names_of(task))
    refused = fake(tmp_path, ("scores", "grade_all"))   # the batch engine's own function
    assert {w for _, w in occurrences(names_of(refused))} == {"grade_all"}


def test_short_words_are_refused_as_strings_unless_exempt(tmp_path):
    engine = tmp_path / "engine"
    engine.mkdir()
    (engine / "a.py").write_text('out = run()   # the db of it\nkeys = ["dw"]\n')
    code = 'out = {"dw": 0, "db": 1}\n'
    task = fake(tmp_path, ("scores",), code, RETURNS={"scores": ("out",)}, GRADS=("dw", "db"))
    assert names_of(task)["out"] == AS_STRING
    assert {w for _, w in occurrences(names_of(task), engine)} == {"dw"}   # not the variable out, nor prose
    (engine / "b.py").write_text('folder = "out"\n')
    assert {w for _, w in occurrences(names_of(task), engine)} == {"dw", "out"}
    exempt = fake(tmp_path, ("scores",), code, RETURNS={"scores": ("out",)}, GRADS=("dw", "db"),
                  ENGINE_WORDS=("out", "dw"))
    assert not occurrences(names_of(exempt), engine)
