"""The audit's report (tools/audit.py report_text): a function of which no device mutant
could be made is named, since the audit then says nothing of its device test; so is one
of which fewer than FEW_MUTANTS mutants could be made, since it says little of its tests."""
from autograder.tools import audit


def report(without, few=None):
    return {"functions": {"forward": {"mutants": 3, "equivalent": 0, "wrong": 3, "killed": 3, "score": 1.0}},
            "survivors": [], "false_fails": [], "graded": 3, "of": 3, "without_device_mutants": without,
            "few_mutants": few or {}}


def test_a_function_without_device_mutants_is_warned_of():
    text = audit.report_text(report(["scores"]))
    assert "Warning: no device mutant could be made of scores" in text, text
    assert "Warning" not in audit.report_text(report([]))


def test_a_function_with_few_mutants_is_warned_of():
    text = audit.report_text(report([], {"scores": 3, "predict": 0}))
    assert f"Warning: fewer than {audit.FEW_MUTANTS} mutants could be made of scores (3), predict (0)" in text, text
    older = report([])
    del older["few_mutants"]   # a report written before the warning existed
    assert "Warning" not in audit.report_text(older)


def test_a_small_function_has_few_mutants():
    """What the audit counts: a one-line function gets few mutants, a real one many."""
    source = "import torch\n\n\ndef tiny(x):\n    return x\n\n\ndef big(x, y):\n    return (x * y - 1).sum(dim=0)\n"
    made = audit.make_mutants(source, ["tiny", "big"], confused={}, operators=())
    few = audit.few_mutants(made, ["tiny", "big", "absent"])
    assert set(few) == {"tiny", "absent"} and few["absent"] == 0 and few["tiny"] < audit.FEW_MUTANTS, few


def test_every_mutant_says_its_kind():
    from autograder.assignment import current

    every = audit.make_mutants(current().reference.read_text())
    assert {m["kind"] for m in every} == {"device", "value"}
    assert all(m["kind"] == "device" for m in every if ".cpu()" in m["after"])
