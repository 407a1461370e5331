"""Which assignment is graded, and where its parts are.

An assignment NAME lives in three folders at the top of the checkout, step first and
assignment second (as nbgrader's source/ and release/ do); the engine (grading/, sandbox/,
classroom/, tools/, common/) reads them and knows nothing else of it:

    assignments/NAME/  what grades it:
        contract.py    FILE (the file students submit), FUNCTIONS, TAGS, INPUTS, and either
                       the spec its standard tests are made from (SIZES, VARIABLES, SPEC:
                       grading/spec.py) or RETURNS for tests written by hand; imports
                       nothing (the handout ships it beside the self-check)
        texts.py       MESSAGES: its own texts, zh and en (hints, cases, the self-check's),
                       in front of the engine's; FIELDS
        tests/         the grading tests (pytest), their points (@weight) and conftest.py
        submissions/   test submissions with the verdict each must get (the project's tests)
    reference/NAME/    the hidden solution, FILE, and mistakes.py (the classic mistakes):
                       reference/ is closed to the worker accounts, for every assignment
    starter/NAME/      exactly what students get: the starter FILE, handouts, self-check, fixtures

These paths are defined here and nowhere else (FOLDER, REFERENCE, STARTER).

One process grades one assignment: use() chooses it (the CLI's --assignment), else the
environment's AUTOGRADER_ASSIGNMENT, else the only one present (a built zip holds one),
else the settings' `assignment` (config.py). CONTRIBUTING.md says how to add one
(`python -m autograder new NAME --reference PATH`: tools/new.py).
"""
from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from . import config

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

    @property
    def virtual_gpu_layers(self) -> list[tuple[int, int, int, str]]:
        """The layers whose tensors its device tests pass, as (rows, inputs, outputs, dtype
        name): a class's worker pool works out their shapes once (common/devices.py
        warm_up). The contract's VIRTUAL_GPU_LAYERS; none if it has none."""
        return [tuple(layer) for layer in getattr(self.contract, "VIRTUAL_GPU_LAYERS", ())]

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

    def use_texts(self) -> None:
        """Make its texts (texts.py: MESSAGES) the ones students read, in front of the
        engine's, with the default fields of its hints (texts.py: FIELDS) and its file's
        name, which the engine's sentences say: once, when a grade begins."""
        from .common import messages

        texts = self.part("texts")
        messages.use_texts(getattr(texts, "MESSAGES", {}))
        messages.FIELDS.clear()
        messages.FIELDS.update(messages.DEFAULT_FIELDS, **getattr(texts, "FIELDS", {}), file=self.file,
                               assignment=self.name)

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


class UnknownAssignment(ValueError):
    """An assignment's name that no folder under assignments/ has."""


def names() -> list[str]:
    """The assignments present: the folders under assignments/ with a contract.py."""
    return sorted(p.parent.name for p in FOLDER.glob("*/contract.py"))


_chosen: str | None = None


def use(name: str | None) -> Assignment:
    """Grade name from now on in this process (None: the default choice). Raises
    UnknownAssignment for a name that is not there."""
    global _chosen
    if name is not None and name not in names():
        raise UnknownAssignment(f"no assignment {name!r} in {FOLDER} (there are: {', '.join(names()) or 'none'})")
    _chosen = name
    return current()


@functools.cache
def _only_or_default() -> str:
    """The only assignment present, else the settings' `assignment` (config.toml and any
    AUTOGRADER_CONFIG overlay; looked up once: the folder is read on every grade's hot path
    otherwise)."""
    present = names()
    return present[0] if len(present) == 1 else config.assignment_name()


def current() -> Assignment:
    """The assignment this process grades (use(), else AUTOGRADER_ASSIGNMENT, else the only
    one present, else the settings'). Changes nothing: Assignment.use_texts makes its texts
    the ones students read, once, when a grade begins (grading/grade.py begin)."""
    return load(_chosen or os.environ.get("AUTOGRADER_ASSIGNMENT") or _only_or_default())


@functools.cache
def load(name: str) -> Assignment:
    """The assignment of that folder."""
    if str(ROOT) not in sys.path:   # assignments/ is a package beside autograder/
        sys.path.insert(0, str(ROOT))
    contract = importlib.import_module(f"{FOLDER.name}.{name}.contract")
    return Assignment(name, FOLDER / name, contract)


def grading_files(reference: Path | None = None) -> list[tuple[str, Path]]:
    """[(name, path)] of every file that decides a grade besides the submission: the
    engine's config.GRADING_PARTS (every file in them, whatever its kind: pytest.ini sets
    timeouts), the settings in use and the current assignment's (its tests, contract,
    checks, texts, reference and mistakes). Names, not paths: the same files anywhere give
    the same names. reference: another solution graded against (a mutant's): its folder
    replaces reference/NAME/."""
    found = []
    for part in config.GRADING_PARTS:
        path = config.HERE / part
        found += [(f"autograder/{p.relative_to(config.HERE)}", p) for p in sorted(path.rglob("*"))] \
            if path.is_dir() else [(f"autograder/{part}", path)]
    found.append(("autograder/config.toml", config.CONFIG))   # an overlay's effect: config.settings_text()
    task = current()
    found += [(relative(p), p) for p in task.grading_files() if reference is None or task.hidden not in p.parents]
    if reference is not None:
        found += [(f"{relative(task.hidden)}/{p.relative_to(reference.parent).as_posix()}", p)
                  for p in sorted(Path(reference).parent.rglob("*"))]
    return [(name, p) for name, p in found if p.is_file() and "__pycache__" not in p.parts]


def load_reference(path: Path | str | None = None) -> ModuleType:
    """Import a hidden reference file (the solution, mistakes.py) by path, by default the
    current assignment's solution; trusted side only. Once per process and file: a batch
    job grades submission after submission with it."""
    return _load_file(Path(path or current().reference).resolve())


@functools.cache
def _load_file(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("reference_" + path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
