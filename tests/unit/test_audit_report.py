"""The audit's report (tools/audit.py report_text): a function of which no device mutant
could be made is named, since the audit then says nothing of its device test."""
from autograder.tools import audit


def report(without):
    return {"functions": {"forward": {"mutants": 3, "equivalent": 0, "wrong": 3, "killed": 3, "score": 1.0}},
            "survivors": [], "false_fails": [], "graded": 3, "of": 3, "without_device_mutants": without}


def test_a_function_without_device_mutants_is_warned_of():
    text = audit.report_text(report(["scores"]))
    assert "Warning: no device mutant could be made of scores" in text, text
    assert "Warning" not in audit.report_text(report([]))


def test_every_mutant_says_its_kind():
    from autograder.assignment import current

    every = audit.make_mutants(current().reference.read_text())
    assert {m["kind"] for m in every} == {"device", "value"}
    assert all(m["kind"] == "device" for m in every if ".cpu()" in m["after"])
