"""Build the two files an instructor deploys, for one assignment (autograder/assignment.py).

- autograder.zip: upload to Gradescope. setup.sh and run_autograder at its root, then
  the engine (autograder/), requirements.txt, the assignment's folder (assignments/NAME/:
  its contract, checks, texts and grading tests) and its hidden reference
  (reference/NAME/), the only ones in the zip, so the one graded. Not its starter
  (starter/NAME/) or test submissions, nor any other assignment's reference.
- handout.zip: give to students, a folder NAME/: starter/NAME/ (the file to
  complete, the handouts, the self-check and its fixtures), and beside them everything the
  grader shares with the self-check: the engine's common/ (checks, messages, the autograd
  guard, devices) and the assignment's SHARED modules (its contract, checks and texts).
  Never reference code.
"""
import zipfile
from pathlib import Path

from ..assignment import SHARED, Assignment, current

ROOT = Path(__file__).resolve().parent.parent.parent
SKIP = {"__pycache__", ".pytest_cache", "loss_curve.png"}   # build outputs, not sources


def _files(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file() and not SKIP & set(p.parts) and p.suffix != ".pyc")


def _add(z, path, name, executable=False):
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (0o755 if executable else 0o644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, path.read_bytes())


def build(out: Path, task: Assignment | None = None) -> tuple[Path, Path]:
    """Write out/autograder.zip and out/handout.zip of task (default: the current one)."""
    task = task or current()
    out.mkdir(parents=True, exist_ok=True)
    autograder_zip, handout_zip = out / "autograder.zip", out / "handout.zip"
    with zipfile.ZipFile(autograder_zip, "w") as z:
        _add(z, ROOT / "autograder" / "setup.sh", "setup.sh", executable=True)
        _add(z, ROOT / "run_autograder", "run_autograder", executable=True)
        _add(z, ROOT / "requirements.txt", "requirements.txt")
        for p in _files(ROOT / "autograder"):
            _add(z, p, str(p.relative_to(ROOT)), executable=p.suffix == ".sh")
        _add(z, task.folder.parent / "__init__.py", "assignments/__init__.py")
        for p in _files(task.folder):
            if p.relative_to(task.folder).parts[0] != "submissions":
                _add(z, p, str(p.relative_to(ROOT)))
        for p in _files(task.hidden):   # reference/NAME/ alone: no other assignment's solution
            _add(z, p, str(p.relative_to(ROOT)))
    with zipfile.ZipFile(handout_zip, "w") as z:
        top = task.name + "/"
        for p in _files(task.starter):
            _add(z, p, top + str(p.relative_to(task.starter)))
        # Beside the self-check, these modules are top-level (each imports the others flat).
        for p in _files(ROOT / "autograder" / "common"):
            if p.name != "__init__.py":
                _add(z, p, top + p.name)
        for name in SHARED:
            if (task.folder / f"{name}.py").exists():
                _add(z, task.folder / f"{name}.py", f"{top}{name}.py")
    return autograder_zip, handout_zip
