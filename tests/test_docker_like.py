"""The grader in a container confined as Docker confines one by default (root without
CAP_SYS_ADMIN, seccomp refusing unshare, mount and clone's namespace flags: no PID,
network or mount namespace for the workers), with Landlock and without it (an older
kernel). Per variant, ONE `grade-all` (2 jobs) is run through tests/docker_like.py on a
class of the reference, two correct submissions and the hostile ones that finish quickly;
each test reads what it needs from that run. The expectations are test_hostile's and
test_containment's for the same submissions."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
import test_hostile as hostile
from conftest import IS_ROOT, ROOT, SCHEMA, SEED, SUBMISSIONS, batch_name, lost, outputs, reference
from test_containment import MAILBOXES, Server
from test_hostile import full, ours_left, zero

SYSTEM_PYTHON = "/usr/bin/python3"   # where Debian's python3-seccomp is
DOCKER_LIKE = Path(__file__).with_name("docker_like.py")
HOSTILE = SUBMISSIONS / "hostile"
REFERENCE = reference()
CORRECT = [SUBMISSIONS / "correct" / f"{name}.py" for name in ("correct_mm_transpose", "correct_einsum_where")]
# The hostile submissions graded in seconds (infinite_loop, memory_creep and
# slow_request_reader take a minute each and are left to test_hostile/test_containment).
QUICK = [HOSTILE / f"{name}.py" for name in ("fork_bomb", "leave_process", "shm_mailbox", "disk_filler",
                                            "forge_results", "monkeypatch_torch", "crash_segfault", "sys_exit")]
READ_REFERENCE, NETWORK_FETCH = HOSTILE / "read_reference.py", HOSTILE / "network_fetch.py"
# The class takes about 15 s per variant here (2 shared cores); 1500 s leaves room for a machine
# 4x slower and for waiting on worker accounts that other sessions on the machine hold.
TIMEOUT = 1500

VARIANTS = {"landlock": [], "no_landlock": ["--no-landlock"]}
# the first test of a variant waits for its grade-all; every test looks at processes machine-wide
pytestmark = [pytest.mark.timeout(TIMEOUT + 300), pytest.mark.alone]


def unavailable():
    """Why the Docker-like confinement cannot be tried here, or None."""
    if not IS_ROOT:
        return "needs root: tests/docker_like.py drops CAP_SYS_ADMIN from root, and the sandbox drops privileges only as root"
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"needs {SYSTEM_PYTHON} with python3-seccomp (apt-get install python3-seccomp)"
    if subprocess.run([SYSTEM_PYTHON, "-c", "import seccomp"], capture_output=True).returncode != 0:
        return f"needs python3-seccomp for {SYSTEM_PYTHON} (apt-get install python3-seccomp)"
    probe = subprocess.run([SYSTEM_PYTHON, str(DOCKER_LIKE), "--", "true"], capture_output=True, text=True)
    if probe.returncode != 0:   # already in a container without CAP_SYS_ADMIN, for example
        return f"tests/docker_like.py cannot confine here: {probe.stderr.strip()[-300:]}"
    return None


@dataclass
class Run:
    variant: str
    results: dict          # {batch name: results dict}
    stderr: str
    seconds: float
    left: list             # worker-account processes of this checkout running after grade-all ended
    mailboxes: list        # mailboxes of shm_mailbox still there after grade-all ended
    connections: int       # how many times the TCP and abstract-socket servers were reached

    def __getitem__(self, path):
        return self.results[batch_name(path)]


@pytest.fixture(scope="module", params=list(VARIANTS), ids=list(VARIANTS))
def docker(request, tmp_path_factory):
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    variant = request.param
    folder = tmp_path_factory.mktemp(f"docker_{variant}")
    for path in [REFERENCE, *CORRECT, *QUICK]:
        shutil.copy(path, folder / f"{batch_name(path)}.py")
    (folder / f"{batch_name(READ_REFERENCE)}.py").write_text(
        READ_REFERENCE.read_text().replace("__REFERENCE_PATH__", str(REFERENCE)))
    for path in MAILBOXES:
        if os.path.lexists(path):
            os.unlink(path)
    tcp = Server(socket.AF_INET, ("127.0.0.1", 0))
    name = f"mlp-docker-like-{os.getpid()}-{variant}"
    unix = Server(socket.AF_UNIX, "\0" + name)
    (folder / f"{batch_name(NETWORK_FETCH)}.py").write_text(
        NETWORK_FETCH.read_text().replace("__PORT__", str(tcp.address[1])).replace("__ABSTRACT__", name))
    out = tmp_path_factory.mktemp(f"out_{variant}")
    cmd = [SYSTEM_PYTHON, str(DOCKER_LIKE), *VARIANTS[variant], "--",
           sys.executable, "-m", "autograder", "grade-all", str(folder), "--out", str(out),
           "--jobs", "2", "--seed", str(SEED)]
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT,
                              env={**os.environ, "AUTOGRADER_LANGUAGE": "en"})
    finally:
        tcp.close()
        unix.close()
    seconds = time.monotonic() - start
    left = ours_left()
    mailboxes = [p for p in MAILBOXES if os.path.lexists(p)]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = {}
    for path in sorted((out / "results").glob("*.json")):
        data = json.loads(path.read_text())
        jsonschema.validate(data, SCHEMA)
        results[path.stem] = data
    print(f"\n{variant}: grade-all of {len(results)} submissions in {seconds:.1f} s\n{proc.stderr}")
    return Run(variant, results, proc.stderr, seconds, left, mailboxes, tcp.connections + unix.connections)


def test_every_submission_is_graded(docker):
    expected = {batch_name(p) for p in [REFERENCE, *CORRECT, *QUICK, READ_REFERENCE, NETWORK_FETCH]}
    assert set(docker.results) == expected
    assert all(data["tests"] and "grader_error" not in data.get("extra_data", {})
               for data in docker.results.values()), docker.stderr


@pytest.mark.parametrize("path", [REFERENCE, *CORRECT], ids=lambda p: p.stem)
def test_correct_ones_keep_full_marks(docker, path):
    assert docker[path]["score"] == 100, lost(docker[path])


def test_stderr_names_what_is_missing(docker):
    """The instructor is told once what the workers run without, and what that leaves open."""
    assert "workers run without: pid namespace, network namespace, private tmpfs" in docker.stderr, docker.stderr
    assert "namespaces need CAP_SYS_ADMIN" in docker.stderr
    assert "processes a worker leaves behind are found and killed by account" in docker.stderr
    assert "the scratch folder's size is checked after each call instead of bounded" in docker.stderr
    if docker.variant == "landlock":   # ABI 6 or more on this kernel (test_containment checks the rest)
        assert "refuses Landlock" not in docker.stderr and "Landlock (" not in docker.stderr
    else:
        assert "this kernel (or container) refuses Landlock" in docker.stderr
        assert "Landlock (files), Landlock (TCP), Landlock (abstract sockets, signals)" in docker.stderr
    # the worker's own seccomp filter refuses it any socket: no network is left open
    assert "no sockets (seccomp)" not in docker.stderr, docker.stderr
    assert "workers can send UDP" not in docker.stderr and "workers can reach the network" not in docker.stderr
    assert "workers can list the machine's processes" in docker.stderr


def test_no_worker_process_survives(docker):
    """leave_process's detached grandchild and fork_bomb's children: all gone by the time
    grade-all has ended, found by account since there is no PID namespace."""
    assert docker.left == []
    data = docker[HOSTILE / "leave_process.py"]
    pid = int(re.search(r"CHILD PID (\d+)", outputs(data)).group(1))
    assert not os.path.exists(f"/proc/{pid}")
    assert data["score"] == 100, lost(data)
    assert len(docker[HOSTILE / "fork_bomb.py"]["tests"]) >= 15


def test_the_reference_is_not_read(docker):
    data = docker[READ_REFERENCE]
    text = outputs(data)
    assert "REFERENCE: denied" in text and "REFERENCE: readable" not in text
    assert data["score"] < 50, lost(data)
    for locked in (REFERENCE.parents[1], ROOT / ".git"):   # reference/, every assignment's
        if locked.exists():
            assert locked.stat().st_mode & 0o077 == 0, locked


def test_hostile_ones_score_as_test_hostile_expects(docker):
    """test_hostile's own tests, fed with this run's results instead of the class batch's."""
    graded = docker.__getitem__
    hostile.test_forged_results_are_overwritten(graded)
    hostile.test_sys_exit_at_import(graded)
    hostile.test_segfault_costs_only_backward(graded)
    hostile.test_comparisons_cannot_be_faked(graded, "monkeypatch_torch")


def test_what_a_worker_writes_is_bounded(docker):
    """No private tmpfs: the grader measures the scratch folder and stops the worker."""
    data = docker[HOSTILE / "disk_filler.py"]
    assert zero(data, "forward", "training") and full(data, "loss", "backward", "sgd_step"), lost(data)
    assert "wrote more than 64 MB" in outputs(data)


def test_no_mailbox_survives(docker):
    data = docker[HOSTILE / "shm_mailbox.py"]
    assert "MAILBOX FOUND" not in outputs(data) and data["score"] == 0, lost(data)
    assert docker.mailboxes == []
    if docker.variant == "landlock":   # no private /dev/shm: Landlock refuses it
        assert "DENIED /dev/shm/mlp_mailbox.py" in outputs(data)


def test_a_worker_has_no_network(docker):
    """A TCP server on 127.0.0.1 and an abstract unix socket serve a correct solution:
    without namespaces, and without Landlock too, the worker's seccomp filter refuses it
    every socket (UDP included)."""
    data = docker[NETWORK_FETCH]
    text = outputs(data)
    assert "TCP blocked" in text and "UNIX blocked" in text and "LISTEN blocked" in text, text
    assert "UDP blocked" in text, text
    assert "CONNECTED" not in text and docker.connections == 0
    assert data["score"] == 0, lost(data)
