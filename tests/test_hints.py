"""Feedback that teaches: each classic bug gets its own hint, in the language the
instructor chose; correct submissions get none."""
import string

import pytest
from conftest import SUBMISSIONS, header, outputs, reference

from autograder.common import messages

BUGGY = sorted((SUBMISSIONS / "buggy").glob("*.py"))
CORRECT = sorted((SUBMISSIONS / "correct").glob("*.py"))


def hint_fragments(hint, lang):
    """The fixed text of a hint (everything but its {fields}), in one language."""
    template = messages.MESSAGES["hint_" + hint][lang]
    return [lit for lit, _, _, _ in string.Formatter().parse(template) if len(lit.strip()) >= 6]


def hint_prefix(lang):
    return messages.MESSAGES["hint"][lang].split("{")[0]


@pytest.mark.parametrize("path", BUGGY, ids=lambda p: p.stem)
def test_bug_gets_its_hint_in_english(graded, path):
    _, hint = header(path)
    text = outputs(graded(path))
    for fragment in hint_fragments(hint, "en"):
        assert fragment in text, f"{path.stem}: missing hint {hint!r}: {fragment!r}\n{text[:1500]}"


@pytest.mark.parametrize("path", BUGGY, ids=lambda p: p.stem)
def test_bug_gets_its_hint_in_chinese(graded_zh, path):
    _, hint = header(path)
    text = outputs(graded_zh(path))
    for fragment in hint_fragments(hint, "zh"):
        assert fragment in text, f"{path.stem}: missing hint {hint!r}: {fragment!r}\n{text[:1500]}"
    assert "Hint:" not in text


@pytest.mark.parametrize("path", CORRECT + [reference()], ids=lambda p: p.stem)
def test_correct_submission_gets_no_hint(graded, path):
    assert hint_prefix("en") not in outputs(graded(path))


def test_hints_never_show_expected_values(graded):
    """A hint says what the numbers show, never the hidden numbers themselves (its fields:
    the batch size, the weight, a name, a function, where the handout states the rules)."""
    for lang in messages.LANGUAGES:
        for key, texts in messages.MESSAGES.items():
            if key.startswith("hint_"):
                fields = {f for _, f, _, _ in string.Formatter().parse(texts[lang]) if f}
                assert fields <= {"m", "w", "name", "fn", "rules"}, key


def test_training_output_shows_the_loss_curve(graded):
    training = [t for t in graded(reference())["tests"] if t["tags"] == ["training"]]
    assert [t["number"] for t in training] == ["5.1", "5.2"]   # on the CPU, then on a GPU
    for test in training:
        curve = test["output"].splitlines()[1]   # under the summary's first line
        assert len(curve) > 10 and set(curve) <= set("▁▂▃▄▅▆▇█"), test["output"]
        assert curve[0] == "█" and curve[-1] == "▁"   # it starts high and ends low
