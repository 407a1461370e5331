"""Build the two files an instructor deploys.

- autograder.zip: upload to Gradescope. setup.sh and run_autograder at its root, then
  the grader (autograder/), the hidden reference (reference/) and requirements.txt.
- handout.zip: give to students. The starter mlp.py, the handouts, the self-check and its
  fixtures (starter/), and everything the grader shares with the self-check
  (autograder/common/: the contract, checks, messages and autograd guard). Never
  reference code.
"""
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SKIP = {"__pycache__", ".pytest_cache", "loss_curve.png"}   # build outputs, not sources


def _files(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file() and not SKIP & set(p.parts) and p.suffix != ".pyc")


def _add(z, path, name, executable=False):
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (0o755 if executable else 0o644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, path.read_bytes())


def build(out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    autograder_zip, handout_zip = out / "autograder.zip", out / "handout.zip"
    with zipfile.ZipFile(autograder_zip, "w") as z:
        _add(z, ROOT / "autograder" / "setup.sh", "setup.sh", executable=True)
        _add(z, ROOT / "run_autograder", "run_autograder", executable=True)
        _add(z, ROOT / "requirements.txt", "requirements.txt")
        for folder in ("autograder", "reference"):
            for p in _files(ROOT / folder):
                _add(z, p, str(p.relative_to(ROOT)), executable=p.suffix == ".sh")
    with zipfile.ZipFile(handout_zip, "w") as z:
        for p in _files(ROOT / "starter"):
            _add(z, p, "task1/" + str(p.relative_to(ROOT / "starter")))
        for p in _files(ROOT / "autograder" / "common"):
            if p.name != "__init__.py":   # beside selfcheck.py, its modules are top-level
                _add(z, p, "task1/" + p.name)
    return autograder_zip, handout_zip
