"""The grader, the self-check and setup.sh work on Python 3.10 (Ubuntu 22.04, Gradescope's
default image) through 3.13. This file holds the checks that need PyPI: requirements.txt
resolves for Python 3.10 and 3.12, binary wheels only, without installing; torch alone
from its CPU index, as setup.sh installs it. The static ones (vermin, tomli, markers)
are tests/unit/test_python_versions.py.
"""
import json
import subprocess
import sys
import urllib.request

import pytest
from packaging.requirements import Requirement
from unit.test_python_versions import requirements_for

PYPI = "https://pypi.org/simple/"
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"


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


def test_a_pin_without_a_wheel_for_that_python_fails(tmp_path):
    """The resolution check can fail: numpy 2.4 has no wheel for Python 3.10, and that is a
    failure, not a skip."""
    if not reachable(PYPI):
        pytest.skip(f"{PYPI} cannot be reached from here")
    with pytest.raises(AssertionError, match="does not resolve for Python 3.10"):
        dry_run(tmp_path, "3.10", ["numpy==2.4.6"])
