"""The autograder zip in real Docker, as Gradescope builds and runs it
(bench/gradescope_docker.py): the image made from autograder.zip with its setup.sh, then each
submission graded by /autograder/run_autograder in a fresh container at Gradescope's default
limits (768 MB, half a CPU, no network, Docker's default seccomp profile and capabilities).

ONE run of the script grades five submissions (the reference, the starter, and the hostile
read_reference, network_fetch and shm_mailbox); each test reads what it needs from it. The
expectations are test_hostile's and test_containment's for the same submissions. The first
run builds the image (a few minutes: debootstrap, then setup.sh's pip); later runs reuse it
while autograder.zip is the same. The script starts dockerd if none answers, and the test
stops it after. Skipped, with the reason, where Docker cannot run."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
from conftest import IS_ROOT, ROOT, SCHEMA, SUBMISSIONS, lost, outputs, reference, starter

SCRIPT = ROOT / "bench" / "gradescope_docker.py"
HOSTILE = SUBMISSIONS / "hostile"
REFERENCE_IN_IMAGE = "/autograder/source/reference/task1/mlp.py"   # where read_reference looks
SUBMITTED = {"reference": reference(), "starter": starter(), "read_reference": HOSTILE / "read_reference.py",
             "network_fetch": HOSTILE / "network_fetch.py", "shm_mailbox": HOSTILE / "shm_mailbox.py"}
# Measured here (2 shared cores): 273 s with nothing cached (debootstrap, then setup.sh's pip),
# about 150 s for a new zip on the cached base, 29 s with the image cached. 1500 s leaves room
# for a machine 4x slower, or a slow package mirror.
TIMEOUT = 1500
pytestmark = [pytest.mark.timeout(TIMEOUT + 300), pytest.mark.alone]


def unavailable():
    """Why real Docker cannot be tried here, or None."""
    if not IS_ROOT:
        return "needs root: docker's socket, and the grader drops to its worker accounts only as root"
    if not shutil.which("docker"):
        return "no docker command (apt-get install docker.io debootstrap)"
    if not shutil.which("debootstrap"):
        return "no debootstrap, to make the base image where gradescope/autograder-base cannot be pulled " \
               "(apt-get install debootstrap)"
    answers = subprocess.run(["docker", "info"], capture_output=True).returncode == 0
    if not answers and not shutil.which("dockerd"):
        return "no docker daemon answers, and there is no dockerd to start (apt-get install docker.io)"
    return None


@pytest.fixture(scope="module")
def docker(tmp_path_factory):
    """{name: the script's row}, with the whole report under None."""
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("gradescope_docker")
    built = subprocess.run([sys.executable, "-m", "autograder", "build", "--out", str(folder / "dist")],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    for name, path in SUBMITTED.items():
        (folder / f"{name}.py").write_text(path.read_text().replace("__REFERENCE_PATH__", REFERENCE_IN_IMAGE))
    report = folder / "report.json"
    start = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, str(SCRIPT), "--zip", str(folder / "dist" / "autograder.zip"),
                               "--memory", "768m", "--cpus", "0.5", "--start-dockerd", "--json", str(report),
                               *(str(folder / f"{name}.py") for name in SUBMITTED)],
                              cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
        print(f"\ngradescope_docker.py in {time.monotonic() - start:.0f} s\n{proc.stdout}\n{proc.stderr}")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        data = json.loads(report.read_text())
        yield {None: data, **{Path(row["submission"]).stem: row for row in data["rows"]}}
    finally:
        pid = json.loads(report.read_text()).get("dockerd_pid") if report.exists() else None
        if pid:   # the script started dockerd for this test: stop it
            os.kill(pid, signal.SIGTERM)
            for _ in range(300):
                if not os.path.exists(f"/proc/{pid}"):
                    break
                time.sleep(0.1)


def said(row):
    """What the student would have read for each test that lost points, the end of the
    grader's stderr, and the processes of this machine that shared the workers' uids."""
    text = lost(row["results_json"]) if row.get("results_json") else "no results.json"
    if row["uid_clashes"]:
        text += ("\nWARNING: processes outside the container ran as its workers' uids (a grader on this "
                 "machine kills them): " + "; ".join(row["uid_clashes"][:3]))
    return f"{text}\n--- the grader's stderr:\n{row['stderr'][-1500:]}"


def test_every_submission_is_graded(docker):
    """Each run wrote a valid results.json and exited 0, within Gradescope's 10 minutes."""
    assert set(docker) - {None} == set(SUBMITTED), docker[None]
    for name in SUBMITTED:
        row = docker[name]
        assert row["results"] and row["exit"] == 0 and not row["timed_out"], (name, said(row))
        jsonschema.validate(row["results_json"], SCHEMA)
        assert "grader_error" not in row["results_json"].get("extra_data", {}), (name, said(row))


def test_reference_keeps_full_marks(docker):
    row = docker["reference"]
    assert row["results_json"]["score"] == 100, said(row)
    assert row["oom_killed"] is False and 0 < row["peak_bytes"] <= 768 << 20, said(row)


def test_starter_scores_zero(docker):
    assert docker["starter"]["results_json"]["score"] == 0, said(docker["starter"])


def test_the_reference_is_not_read(docker):
    row = docker["read_reference"]
    text = outputs(row["results_json"])
    assert "REFERENCE: denied" in text and "REFERENCE: readable" not in text, said(row)
    assert row["results_json"]["score"] < 50, said(row)


def test_a_worker_has_no_network(docker):
    """No network in the container, and the worker's seccomp filter refuses it any socket."""
    row = docker["network_fetch"]
    text = outputs(row["results_json"])
    for blocked in ("TCP blocked", "UNIX blocked", "LISTEN blocked", "UDP blocked"):
        assert blocked in text, said(row)
    assert "CONNECTED" not in text and row["results_json"]["score"] == 0, said(row)


def test_no_mailbox(docker):
    row = docker["shm_mailbox"]
    text = outputs(row["results_json"])
    assert "MAILBOX FOUND" not in text and row["results_json"]["score"] == 0, said(row)
    if "refuses Landlock" not in row["stderr"]:   # no private /dev/shm in Docker: Landlock refuses it
        assert "DENIED /dev/shm/mlp_mailbox.py" in text, said(row)


def test_containers_are_removed_and_the_image_kept(docker):
    left = subprocess.run(["docker", "ps", "-a", "--format", "{{.Names}}", "--filter", "name=gs-docker-"],
                          capture_output=True, text=True).stdout.split()
    assert left == []
    image = docker[None]["build"]["image"]
    assert subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode == 0
