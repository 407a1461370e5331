"""Reads the settings, config.toml overlaid with AUTOGRADER_CONFIG's file: the assignment,
language, default visibility, sandbox limits. The one place they are read; it imports
nothing of the package but the limits' record (assignment.py lists the files that decide a
grade, these settings among them)."""
import os
from pathlib import Path
from typing import Any, TypedDict

try:
    import tomllib  # novermin (Python 3.11 and later; the except branch covers 3.10)
except ImportError:   # Python 3.10 (Ubuntu 22.04, Gradescope's default image): the backport
    import tomli as tomllib

from .sandbox.limits import Limits

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "config.toml"
# The parts of this package that decide a grade: one grade's flow and its fixtures (grading/),
# the sandbox, what the grader shares with the self-check (common/), these settings and the
# choice of the assignment (whose own files grading_files adds).
# The class batch (classroom/) and the instructor's tools (tools/) never do:
# tests/unit/test_layout.py checks that nothing here imports them.
GRADING_PARTS = ("grading", "sandbox", "common", "config.py", "assignment.py")


class Settings(TypedDict):
    """What load() returns."""

    language: str             # "zh" or "en"
    test_seconds: float       # one grading test (pytest-timeout's timeout)
    default_visibility: str   # of a test in results.json (Gradescope's visibility names)
    limits: Limits


def _read(path: Path | str) -> dict[str, Any]:
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def _merged(path: Path | str | None = None) -> dict[str, Any]:
    """config.toml's data, overlaid with path's or AUTOGRADER_CONFIG's (table by table)."""
    data = _read(CONFIG)
    override = path or os.environ.get("AUTOGRADER_CONFIG")
    if override:
        for key, value in _read(override).items():
            data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return data


def settings_text() -> str:
    """The settings in effect, config.toml and any overlay merged, as canonical JSON: what
    a grade's fingerprint holds of them (the same settings under another name are the same)."""
    import json

    return json.dumps(_merged(), sort_keys=True)


def assignment_name() -> str:
    """The settings' `assignment`: the one graded where a checkout holds several and no
    command or environment names one (assignment.current)."""
    return _merged()["assignment"]


def load(path: Path | str | None = None) -> Settings:
    """The settings of config.toml, each key as written there (the one place they are
    set), overlaid with those of path or of the file AUTOGRADER_CONFIG names: a few keys,
    to try other limits or another language without editing the shipped file."""
    data = _merged(path)
    try:
        lim = data["limits"]
        limits = Limits(
            call_seconds=lim["call_seconds"], start_seconds=lim["start_seconds"], cpu_seconds=lim["cpu_seconds"],
            memory_bytes=lim["memory_mb"] << 20, processes=lim["processes"], file_bytes=lim["file_mb"] << 20,
            output_chars=lim["output_chars"], user=lim["user"], accounts=lim["accounts"],
            total_seconds=lim["total_seconds"], disk_bytes=lim["disk_mb"] << 20, isolate=lim["isolate"])
        # AUTOGRADER_LANGUAGE overrides the file, for trying the grader in another language.
        return {"language": os.environ.get("AUTOGRADER_LANGUAGE") or data["language"],
                "default_visibility": data["default_visibility"], "limits": limits,
                "test_seconds": lim["test_seconds"]}
    except KeyError as exc:
        raise KeyError(f"{CONFIG} lacks the setting {exc.args[0]!r}") from None
