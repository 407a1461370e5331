"""The grader, the self-check and setup.sh work on Python 3.10 (Ubuntu 22.04, Gradescope's
default image) through 3.13. Only one Python is on the development machine, so three
checks stand in for running on the others:
- the oldest Python each file needs, by a static checker (vermin);
- the settings load where `tomllib` does not exist (3.10 reads them with tomli);
- requirements.txt resolves for Python 3.10 and 3.12, binary wheels only, without
  installing; torch alone from its CPU index, as setup.sh installs it.
"""
import json
import os
import subprocess
import sys
import urllib.request

import pytest
from conftest import ROOT
from packaging.requirements import Requirement

OLDEST, NEWEST = (3, 10), (3, 13)
# Everything that runs on Gradescope or on a student's machine.
RUNS_ELSEWHERE = ["autograder", "reference", "starter"]
PYPI = "https://pypi.org/simple/"
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"


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


def reachable(url):
    try:
        urllib.request.urlopen(url, timeout=10).close()
        return True
    except OSError:
        return False


# What pip says when a pin has no release or wheel for that Python (a real failure), as
# against the index being unreachable for a moment.
NOT_RESOLVED = ("No matching distribution", "Could not find a version", "ResolutionImpossible",
                "conflicting dependencies", "requires a different Python")


def dry_run(tmp_path, version, requirements, *index_args):
    """pip's resolver for another Python, binary wheels only, installing nothing; returns
    {name: version} of what it would install."""
    listed = tmp_path / "requirements.txt"
    listed.write_text("\n".join(requirements) + "\n")
    report = tmp_path / "report.json"
    # --isolated: this machine's pip configuration (local wheel folders, constraints) is ignored.
    proc = subprocess.run([sys.executable, "-m", "pip", "--isolated", "install", "--dry-run", "--quiet",
                           "--target", str(tmp_path / "target"), "--only-binary=:all:", "--python-version", version,
                           "--report", str(report), *index_args, "-r", str(listed)],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0 and not any(sign in proc.stderr for sign in NOT_RESOLVED):
        # the index went away mid-run (a timeout, a reset): not a verdict on the pins
        pytest.skip(f"pip could not finish talking to the index: {proc.stderr.strip().splitlines()[-1:]}")
    assert proc.returncode == 0, f"requirements.txt does not resolve for Python {version}:\n{proc.stderr[-3000:]}"
    return {p["metadata"]["name"].lower(): p["metadata"]["version"] for p in json.loads(report.read_text())["install"]}


@pytest.mark.parametrize("version", ["3.10", "3.12"])
def test_requirements_resolve_with_wheels_only(version, tmp_path):
    if not reachable(PYPI):
        pytest.skip(f"{PYPI} cannot be reached from here")
    wanted = [r for r in requirements_for(version) if not r.startswith("torch==")]
    got = dry_run(tmp_path, version, wanted)
    for req in map(Requirement, wanted):
        assert got.get(req.name.lower()) in req.specifier, (req, got)


@pytest.mark.parametrize("version", ["3.10", "3.12"])
def test_torch_resolves_from_its_cpu_index(version, tmp_path):
    if not reachable(TORCH_INDEX + "/torch/"):
        pytest.skip(f"torch's CPU index ({TORCH_INDEX}) cannot be reached from here")
    torch = next(r for r in requirements_for(version) if r.startswith("torch=="))
    got = dry_run(tmp_path, version, [torch], "--no-deps", "--index-url", TORCH_INDEX)
    assert got["torch"].split("+")[0] == torch.split("==")[1], got


def test_setup_refuses_a_python_it_does_not_support():
    """setup.sh's range is the one these tests check."""
    text = (ROOT / "autograder" / "setup.sh").read_text()
    assert f"not {OLDEST} <= sys.version_info[:2] <= {NEWEST}" in text


def test_a_pin_without_a_wheel_for_that_python_fails(tmp_path):
    """The resolution check can fail: numpy 2.4 has no wheel for Python 3.10, and that is a
    failure, not a skip."""
    if not reachable(PYPI):
        pytest.skip(f"{PYPI} cannot be reached from here")
    with pytest.raises(AssertionError, match="does not resolve for Python 3.10"):
        dry_run(tmp_path, "3.10", ["numpy==2.4.6"])
