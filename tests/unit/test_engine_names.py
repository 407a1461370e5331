"""The engine knows no assignment: no name of one appears anywhere in autograder/, in its
code, its strings or its comments. An assignment's names are those of its folder, its
file (mlp.py, and the module mlp), and every name its contract.py holds (functions,
parameters, gradients, cache entries, inputs...), but for those that are torch's own
(Tensor.backward, Module.forward: the guard and the device check speak of them), the
words any gradient-based assignment shares (GENERIC) and single letters."""
import io
import re
import tokenize
from pathlib import Path

import pytest
import torch

from autograder import assignment, config

PACKAGE = Path(config.__file__).resolve().parent
GENERIC = {"params", "grads", "cache", "loss", "lr"}


def torch_word(word):
    return any(hasattr(owner, word) for owner in (torch, torch.Tensor, torch.nn.Module, torch.autograd))


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


def names_of(task):
    """The words that belong to task: never in the engine."""
    words = {task.name, task.module}
    for key, value in vars(task.contract).items():
        if key.isupper() and key not in ("FILE", "TITLE"):
            words.update(w for s in strings_in(value) for w in re.findall(r"\w+", s))
    return {w for w in words if len(w) > 1 and not torch_word(w) and w not in GENERIC}


def occurrences(words, root=PACKAGE):
    """[(file:line, word)] of every word of words in root's Python files, whole words,
    in names, strings and comments, and every text holding a file name of theirs."""
    found = []
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(words))) + r")\b")
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        for tok in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
            if tok.type in (tokenize.NAME, tokenize.STRING, tokenize.COMMENT):
                for match in pattern.finditer(tok.string):
                    found.append((f"{path.relative_to(root.parent)}:{tok.start[0]}", match.group(1)))
    return found


@pytest.mark.parametrize("name", assignment.names())
def test_the_engine_has_no_name_of_an_assignment(name):
    task = assignment.load(name)
    found = occurrences(names_of(task))
    assert not found, f"the engine names {name}'s own words:\n" + "\n".join(f"{w} at {at}" for at, w in found)


def test_the_check_sees_names():
    """Not vacuous: Task 1's words are found, and found where a copy of the engine holds one."""
    words = names_of(assignment.load("task1"))
    assert {"mlp", "task1", "bce_loss", "sgd_step", "W1", "dW2", "Z1", "A2"} <= words
    assert "backward" not in words and "forward" not in words   # torch's own
    assert occurrences(words, PACKAGE.parent / "assignments")   # the assignment itself is full of them
