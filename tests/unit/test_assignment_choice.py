"""Which assignment a process grades (autograder/assignment.py): the command's, else
AUTOGRADER_ASSIGNMENT, else the only one present, else the settings' `assignment`, read
with any AUTOGRADER_CONFIG overlay (config.py, the one place settings are read)."""
import pytest

from autograder import assignment, config


@pytest.fixture
def undecided(monkeypatch):
    """No command's choice, no environment's: the settings decide."""
    monkeypatch.setattr(assignment, "_chosen", None)
    monkeypatch.delenv("AUTOGRADER_ASSIGNMENT", raising=False)
    monkeypatch.delenv("AUTOGRADER_CONFIG", raising=False)
    assignment._only_or_default.cache_clear()
    yield
    assignment._only_or_default.cache_clear()


def test_the_settings_choose_where_several_are_present(undecided):
    assert len(assignment.names()) > 1
    assert assignment.current().name == config.assignment_name() == "task1"


def test_an_overlay_chooses_the_assignment(undecided, tmp_path, monkeypatch):
    overlay = tmp_path / "task2.toml"
    overlay.write_text('assignment = "task2"\n')
    monkeypatch.setenv("AUTOGRADER_CONFIG", str(overlay))
    assert assignment.current().name == "task2"


def test_an_unknown_name_is_an_error_not_an_exit():
    with pytest.raises(assignment.UnknownAssignment, match="no assignment 'nope'.*task1"):
        assignment.use("nope")
    assert assignment.current().name == "task1"


def test_choosing_changes_no_texts(undecided, monkeypatch):
    """current() changes nothing; the texts are set once a grade begins (use_texts)."""
    from autograder.common import messages

    before = dict(messages.MESSAGES.maps[0]), dict(messages.FIELDS)
    monkeypatch.setenv("AUTOGRADER_ASSIGNMENT", "task2")
    assert assignment.current().name == "task2"
    assert (dict(messages.MESSAGES.maps[0]), dict(messages.FIELDS)) == before


def test_the_cli_says_which_exist(capsys):
    from autograder import __main__ as cli

    with pytest.raises(SystemExit) as exit_:
        cli.main(["build", "--assignment", "nope"])
    assert exit_.value.code == 2 and "no assignment 'nope'" in capsys.readouterr().err
