"""Which assignment is graded, and where its parts are.

An assignment NAME lives in three folders at the top of the checkout, step first and
assignment second (as nbgrader's source/ and release/ do); the engine (grading/, sandbox/,
classroom/, tools/, common/) reads them and knows nothing else of it:

    assignments/NAME/  what grades it:
        contract.py    FILE (the file students submit), FUNCTIONS, TAGS, INPUTS, RETURNS;
                       imports nothing (the handout ships it beside the self-check)
        texts.py       MESSAGES: its own texts, zh and en (hints, cases, the self-check's)
        tests/         the grading tests (pytest), their points (@weight) and conftest.py
        submissions/   test submissions with the verdict each must get (the project's tests)
    reference/NAME/    the hidden solution, FILE, and mistakes.py (the classic mistakes):
                       reference/ is closed to the worker accounts, for every assignment
    starter/NAME/      exactly what students get: the starter FILE, handouts, self-check, fixtures

These paths are defined here and nowhere else (FOLDER, REFERENCE, STARTER).

One process grades one assignment: use() chooses it (the CLI's --assignment), else the
environment's AUTOGRADER_ASSIGNMENT, else the only one present (a built zip holds one),
else config.toml's `assignment`. CONTRIBUTING.md says how to add one.
"""
from __future__ import annotations

import functools
import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "assignments"    # what grades each assignment
REFERENCE = ROOT / "reference"   # the hidden solutions: never readable by a worker, never in a handout
STARTER = ROOT / "starter"       # what students get of each assignment

# Its modules the handout ships beside the self-check (tools/build.py), where they import
# one another and the engine's common/ flat; every other part stays with the grader.
SHARED = ("contract", "task", "texts")
# Its parts for the instructor's tools, which decide no grade: the audit's mutants.py and
# the self-check's fixtures.py (a change to them regrades nothing).
NOT_GRADING = ("mutants.py", "fixtures.py")


@dataclass(frozen=True)
class Assignment:
    name: str
    folder: Path
    contract: ModuleType

    @property
    def file(self) -> str:
        """The name of the file a student submits and the worker imports."""
        return self.contract.FILE

    @property
    def module(self) -> str:
        """The name it is imported under."""
        return Path(self.file).stem

    @property
    def functions(self) -> tuple[str, ...]:
        return tuple(self.contract.FUNCTIONS)

    @property
    def tags(self) -> dict[str, str]:
        return dict(self.contract.TAGS)

    def title(self, lang: str) -> str:
        """Its name for people, in lang (the contract's TITLE; else the folder's name)."""
        return getattr(self.contract, "TITLE", {}).get(lang, self.name)

    @property
    def hidden(self) -> Path:
        """Its folder under reference/: the solution and its classic mistakes."""
        return REFERENCE / self.name

    @property
    def reference(self) -> Path:
        return self.hidden / self.file

    @property
    def mistakes(self) -> Path:
        return self.hidden / "mistakes.py"

    @property
    def tests(self) -> Path:
        return self.folder / "tests"

    @property
    def starter(self) -> Path:
        """Its folder under starter/: what a student gets."""
        return STARTER / self.name

    @property
    def starter_file(self) -> Path:
        """The file a student completes, as handed out (every function a stub)."""
        return self.starter / self.file

    @property
    def submissions(self) -> Path:
        return self.folder / "submissions"

    def part(self, name: str) -> ModuleType | None:
        """Its module name (texts, task), imported, or None where it has none."""
        if not (self.folder / f"{name}.py").exists():
            return None
        return importlib.import_module(f"{FOLDER.name}.{self.name}.{name}")

    def grading_files(self) -> list[Path]:
        """Every file of it that decides a grade: its folder under assignments/ but the
        project's own test submissions and the instructor's tools (NOT_GRADING), and its
        folder under reference/. Not what students get (starter/)."""
        skip = {"submissions", "__pycache__", *NOT_GRADING}
        return sorted(p for folder in (self.folder, self.hidden) for p in folder.rglob("*")
                      if p.is_file() and not skip & set(p.relative_to(folder).parts))


def relative(path: Path) -> str:
    """path's name in the checkout (reference/NAME/FILE): the same wherever it lies."""
    return path.relative_to(ROOT).as_posix()


def default() -> str:
    """config.toml's `assignment` (read here, not through config.py, which needs this module)."""
    try:
        import tomllib  # novermin (Python 3.11 and later)
    except ImportError:   # Python 3.10: the backport
        import tomli as tomllib
    return tomllib.loads((ROOT / "autograder" / "config.toml").read_text(encoding="utf-8"))["assignment"]


def names() -> list[str]:
    """The assignments present: the folders under assignments/ with a contract.py."""
    return sorted(p.parent.name for p in FOLDER.glob("*/contract.py"))


_chosen: str | None = None


def use(name: str | None) -> Assignment:
    """Grade name from now on in this process (None: the default choice)."""
    global _chosen
    if name is not None and name not in names():
        raise SystemExit(f"no assignment {name!r} in {FOLDER} (there are: {', '.join(names()) or 'none'})")
    _chosen = name
    return current()


@functools.cache
def _only_or_default() -> str:
    """The only assignment present, else config.toml's (looked up once: the folder is read
    on every grade's hot path otherwise)."""
    present = names()
    return present[0] if len(present) == 1 else default()


def current() -> Assignment:
    found = load(_chosen or os.environ.get("AUTOGRADER_ASSIGNMENT") or _only_or_default())
    from .common import messages

    if messages.FIELDS.get("assignment") != found.name:   # its texts, and its file's name in the engine's
        messages.use_texts(getattr(found.part("texts"), "MESSAGES", {}))
        messages.FIELDS.update(file=found.file, assignment=found.name)
    return found


@functools.cache
def load(name: str) -> Assignment:
    """The assignment of that folder (current() makes its texts the ones students read)."""
    if str(ROOT) not in sys.path:   # assignments/ is a package beside autograder/
        sys.path.insert(0, str(ROOT))
    contract = importlib.import_module(f"{FOLDER.name}.{name}.contract")
    return Assignment(name, FOLDER / name, contract)
