"""The course's design card: the top level holds starter/, reference/, autograder/,
tests/, run_autograder and README.md; an assignment NAME is starter/NAME/ (what students
get), reference/NAME/ (its hidden solution) and assignments/NAME/ (what grades it), each
path defined once in the engine (autograder/assignment.py)."""
from pathlib import Path

import pytest

from autograder import assignment
from autograder.sandbox.handle import open_to_workers

ROOT = assignment.ROOT
CARD = ("starter", "reference", "autograder", "tests", "run_autograder", "README.md")


def test_the_top_level_is_the_design_cards():
    missing = [name for name in CARD if not (ROOT / name).exists()]
    assert not missing, f"the design card's top level lacks {missing}"
    assert (assignment.REFERENCE, assignment.STARTER) == (ROOT / "reference", ROOT / "starter")


@pytest.mark.parametrize("name", assignment.names())
def test_each_assignment_has_its_reference_and_starter_at_the_top(name):
    task = assignment.load(name)
    assert task.reference == ROOT / "reference" / name / task.file and task.reference.is_file()
    assert task.starter_file == ROOT / "starter" / name / task.file and task.starter_file.is_file()
    assert not (task.folder / "reference").exists() and not (task.folder / "starter").exists()


def test_no_copy_of_a_solution_outside_reference():
    """Not under assignments/ (what a built zip holds) nor starter/ (what students get)."""
    solutions = {p.read_bytes(): p for p in assignment.REFERENCE.rglob("*.py")}
    assert solutions
    copies = [(p, solutions[p.read_bytes()]) for folder in (assignment.FOLDER, assignment.STARTER)
              for p in folder.rglob("*.py") if p.read_bytes() in solutions]
    assert not copies, f"copies of a hidden solution: {copies}"


def test_a_landlock_rule_above_reference_is_never_given_to_a_worker():
    """Landlock opens everything beneath a rule: a rule for the checkout, or for /, would
    open every solution; a sibling folder (the virtual environment) is kept."""
    venv, lib = str(ROOT / ".venv"), "/usr/lib"
    assert open_to_workers([str(ROOT), "/", venv, lib, str(ROOT / "reference" / "task1")]) == [venv, lib]
    assert open_to_workers([str(Path(ROOT) / "autograder" / "common")]) == [str(ROOT / "autograder" / "common")]
