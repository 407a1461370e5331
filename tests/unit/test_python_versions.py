"""The grader, the self-check and setup.sh work on Python 3.10 (Ubuntu 22.04, Gradescope's
default image) through 3.13. Only one Python is on the development machine, so static
checks stand in for running on the others (those that ask PyPI whether requirements.txt
resolves are tests/test_python_versions.py):
- the oldest Python each file needs, by a static checker (vermin);
- the settings load where `tomllib` does not exist (3.10 reads them with tomli);
- requirements.txt's markers pick one numpy per Python, and setup.sh's range is 3.10-3.13.
"""
import os
import subprocess
import sys

from conftest import ROOT
from packaging.requirements import Requirement

OLDEST, NEWEST = (3, 10), (3, 13)
# Everything that runs on Gradescope or on a student's machine.
RUNS_ELSEWHERE = ["autograder", "assignments"]


def vermin(*args):
    command = os.path.join(os.path.dirname(sys.executable), "vermin")   # its console script
    return subprocess.run([command, "--no-tips", "--violations", "--eval-annotations",
                           f"-t={OLDEST[0]}.{OLDEST[1]}-", *args], cwd=ROOT, capture_output=True, text=True)


def test_every_file_that_runs_elsewhere_works_on_the_oldest_python():
    proc = vermin(*RUNS_ELSEWHERE)
    assert proc.returncode == 0, f"code that needs a newer Python than 3.10:\n{proc.stdout}{proc.stderr}"


def test_the_checker_sees_what_python_3_10_lacks(tmp_path):
    """The check above can fail: tomllib (3.11) and ExceptionGroup (3.11) are caught."""
    (tmp_path / "new.py").write_text("import tomllib\nraise ExceptionGroup('x', [ValueError()])\n")
    proc = vermin(str(tmp_path / "new.py"))
    assert proc.returncode != 0 and "tomllib" in proc.stdout, proc.stdout


def test_settings_load_without_tomllib():
    """On Python 3.10 there is no tomllib: config.py falls back on the tomli backport."""
    code = ("import sys; sys.modules['tomllib'] = None\n"   # `import tomllib` now raises ImportError
            "from autograder import config\n"
            "conf = config.load()\n"
            "print(config.tomllib.__name__, conf['language'], conf['default_visibility'], "
            "conf['limits'].call_seconds, conf['limits'].accounts)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "AUTOGRADER_LANGUAGE": ""})
    assert proc.returncode == 0, proc.stderr
    from autograder import config

    conf = config.load()
    expected = f"tomli {conf['language']} {conf['default_visibility']} {conf['limits'].call_seconds} " \
               f"{conf['limits'].accounts}"
    assert proc.stdout.split() == expected.split(), proc.stdout


def requirements_for(version):
    """requirements.txt's lines that apply on Python `version`, markers evaluated for it
    (pip itself evaluates them for the Python it runs on, whatever --python-version says)."""
    env = {"python_version": version, "python_full_version": f"{version}.0"}
    lines = []
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(env):
            lines.append(f"{req.name}{req.specifier}")
    return lines


def test_markers_pick_one_numpy_per_python():
    assert "numpy==2.2.6" in requirements_for("3.10") and "tomli==2.3.0" in requirements_for("3.10")
    assert "numpy==2.4.6" in requirements_for("3.12") and not any(
        r.startswith("tomli") for r in requirements_for("3.12"))


def test_setup_refuses_a_python_it_does_not_support():
    """setup.sh's range is the one these tests check."""
    text = (ROOT / "autograder" / "setup.sh").read_text()
    assert f"not {OLDEST} <= sys.version_info[:2] <= {NEWEST}" in text
