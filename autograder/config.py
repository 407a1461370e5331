"""Reads config.toml (language, default visibility, sandbox limits) and lists the files
that decide a grade (the assignment's among them: autograder/assignment.py)."""
import functools
import importlib.util
import os
from pathlib import Path
from types import ModuleType
from typing import Any, TypedDict

try:
    import tomllib  # novermin (Python 3.11 and later; the except branch covers 3.10)
except ImportError:   # Python 3.10 (Ubuntu 22.04, Gradescope's default image): the backport
    import tomli as tomllib

from .assignment import current, relative
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


def grading_files(reference: Path | None = None) -> list[tuple[str, Path]]:
    """[(name, path)] of every file that decides a grade besides the submission: the
    GRADING_PARTS (every file in them, whatever its kind: pytest.ini sets timeouts), the
    settings in use and the assignment's (its tests, reference, mistakes, contract).
    reference: another solution graded against (a mutant's): its folder replaces reference/NAME/."""
    found = []
    for part in GRADING_PARTS:
        path = HERE / part
        found += [(f"autograder/{p.relative_to(HERE)}", p) for p in sorted(path.rglob("*"))] if path.is_dir() \
            else [(f"autograder/{part}", path)]
    found.append(("autograder/config.toml", CONFIG))   # an overlay's effect: settings_text()
    task = current()
    found += [(relative(p), p) for p in task.grading_files()
              if reference is None or task.hidden not in p.parents]
    if reference is not None:
        found += [(f"{relative(task.hidden)}/{p.relative_to(reference.parent).as_posix()}", p)
                  for p in sorted(Path(reference).parent.rglob("*"))]
    return [(name, p) for name, p in found if p.is_file() and "__pycache__" not in p.parts]


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


def load_reference(path: Path | str | None = None) -> ModuleType:
    """Import a hidden reference file (the solution, mistakes.py) by path, by default the
    assignment's solution; trusted side only. Once per process and file: a batch job
    grades submission after submission with it."""
    return _load(Path(path or current().reference).resolve())


@functools.cache
def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("reference_" + path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
