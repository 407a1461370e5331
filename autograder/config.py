"""Reads config.toml (language, default visibility, sandbox limits) and knows where
the hidden reference lives."""
import functools
import importlib.util
import os
from pathlib import Path
from types import ModuleType
from typing import TypedDict

try:
    import tomllib  # novermin (Python 3.11 and later; the except branch covers 3.10)
except ImportError:   # Python 3.10 (Ubuntu 22.04, Gradescope's default image): the backport
    import tomli as tomllib

from .sandbox.limits import Limits

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "config.toml"
REFERENCE = HERE.parent / "reference" / "mlp.py"
# The parts of this package that decide a grade: one grade's flow and its tests (grading/),
# the sandbox, what the grader shares with the self-check (common/) and these settings.
# The class batch (classroom/) and the instructor's tools (tools/) never do:
# tests/unit/test_layout.py checks that nothing here imports them.
GRADING_PARTS = ("grading", "sandbox", "common", "config.py")


class Settings(TypedDict):
    """What load() returns."""

    language: str             # "zh" or "en"
    default_visibility: str   # of a test in results.json (Gradescope's visibility names)
    limits: Limits


def grading_files(reference: Path = REFERENCE) -> list[tuple[str, Path]]:
    """[(name, path)] of every file that decides a grade besides the submission: the
    GRADING_PARTS (every file in them, whatever its kind: pytest.ini sets timeouts), the
    settings in use and the reference's folder (its mistakes.py gives the hints)."""
    found = []
    for part in GRADING_PARTS:
        path = HERE / part
        found += [(f"autograder/{p.relative_to(HERE)}", p) for p in sorted(path.rglob("*"))] if path.is_dir() \
            else [(f"autograder/{part}", path)]
    found.append(("settings", Path(os.environ.get("AUTOGRADER_CONFIG") or CONFIG)))
    found += [(f"reference/{p.relative_to(reference.parent)}", p) for p in sorted(reference.parent.rglob("*"))]
    return [(name, p) for name, p in found if p.is_file() and "__pycache__" not in p.parts]


def load(path: Path | str | None = None) -> Settings:
    """The settings of config.toml, or of the file AUTOGRADER_CONFIG names (to try other
    limits without editing the shipped file)."""
    path = path or os.environ.get("AUTOGRADER_CONFIG") or CONFIG
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    lim = data.get("limits", {})
    limits = Limits(
        call_seconds=lim.get("call_seconds", Limits.call_seconds),
        start_seconds=lim.get("start_seconds", Limits.start_seconds),
        cpu_seconds=lim.get("cpu_seconds", Limits.cpu_seconds),
        memory_bytes=lim.get("memory_mb", Limits.memory_bytes >> 20) << 20,
        processes=lim.get("processes", Limits.processes),
        file_bytes=lim.get("file_mb", Limits.file_bytes >> 20) << 20,
        output_chars=lim.get("output_chars", Limits.output_chars),
        user=lim.get("user", Limits.user),
        accounts=lim.get("accounts", Limits.accounts),
        total_seconds=lim.get("total_seconds", Limits.total_seconds),
        disk_bytes=lim.get("disk_mb", Limits.disk_bytes >> 20) << 20,
        isolate=lim.get("isolate", Limits.isolate),
    )
    # AUTOGRADER_LANGUAGE overrides the file, for trying the grader in another language.
    return {"language": os.environ.get("AUTOGRADER_LANGUAGE") or data.get("language", "zh"),
            "default_visibility": data.get("default_visibility", "visible"),
            "limits": limits}


@functools.cache
def load_reference(path: Path | str = REFERENCE) -> ModuleType:
    """Import a hidden reference file (mlp.py, mistakes.py) by path; trusted side only.
    Once per process: a batch job grades submission after submission with it."""
    path = Path(path)
    spec = importlib.util.spec_from_file_location("reference_" + path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
