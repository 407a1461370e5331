"""Gradescope's default container (768 MB, half a CPU): the worker gets only the memory the
container has left, the kernel picks the worker when memory runs out, and a student
whose worker the kernel killed reads that it ran out of memory. (What needs no grade, the
cgroup files read and the words said, is tests/unit/test_container.py.)"""
import contextlib
import json
import os
import subprocess
import sys
import time
import uuid

import pytest
from conftest import ROOT, by_tag, grade, lost, needs_root, outputs

from autograder import config
from autograder.common import messages
from autograder.sandbox import limits

pytestmark = pytest.mark.alone   # cgroups, and the memory the machine has left

MB = 1 << 20


PROBE = '''"""forward reports the worker's oom_score_adj and address-space limit."""
import resource


def forward(X, params):
    with open("/proc/self/oom_score_adj") as f:
        adj = f.read().strip()
    with open("/proc/self/status") as f:
        size = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
    raise RuntimeError(f"PROBE adj={adj} as={resource.getrlimit(resource.RLIMIT_AS)[0]} size={size}")
'''


def probe(data):
    text = next(t["output"] for t in data["tests"] if "RuntimeError: PROBE" in t["output"])
    fields = dict(part.split("=") for part in text.split("RuntimeError: PROBE ", 1)[1].split()[:3])
    return int(fields["adj"]), int(fields["as"]), int(fields["size"])


def test_the_kernel_chooses_the_worker(tmp_path):
    (tmp_path / "mlp.py").write_text(PROBE)
    data, _ = grade(tmp_path / "mlp.py", tmp_path)
    adj, limit, _ = probe(data)
    assert adj == 1000, data["tests"][1]["output"]
    assert limit <= config.load()["limits"].memory_bytes


@contextlib.contextmanager
def memory_cgroup(limit):
    """A cgroup (v1 memory controller, or v2) of `limit` bytes; yields the file a process
    writes its pid to to join it. Skips where none can be made."""
    v1, v2 = "/sys/fs/cgroup/memory", "/sys/fs/cgroup"
    name = f"test-{uuid.uuid4().hex[:8]}"
    if os.path.exists(f"{v1}/memory.limit_in_bytes"):
        folder, limit_file, join = f"{v1}/{name}", "memory.limit_in_bytes", "tasks"
    elif "memory" in (open(f"{v2}/cgroup.subtree_control").read().split()
                      if os.path.exists(f"{v2}/cgroup.subtree_control") else []):
        folder, limit_file, join = f"{v2}/{name}", "memory.max", "cgroup.procs"
    else:
        pytest.skip("no memory cgroup can be made here")
    try:
        os.mkdir(folder)
    except OSError as exc:
        pytest.skip(f"cannot make a cgroup here: {exc}")
    try:
        with open(f"{folder}/{limit_file}", "w") as f:
            f.write(str(limit))
        yield f"{folder}/{join}"
    finally:
        for _ in range(100):   # its processes are gone once the grade has returned
            try:
                os.rmdir(folder)
                break
            except OSError:
                time.sleep(0.05)


@needs_root
def test_in_a_small_container_the_worker_gets_what_is_left(tmp_path):
    """In 768 MB the worker may map only a little more than the zygote already does: the
    memory the container has left, and some address space that uses none; far below 3 GB."""
    (tmp_path / "mlp.py").write_text(PROBE)
    os.chmod(tmp_path, 0o755)
    out = tmp_path / "results.json"
    with memory_cgroup(768 * MB) as join:
        def enter():
            with open(join, "w") as f:
                f.write(str(os.getpid()))

        proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "mlp.py"),
                               "--out", str(out), "--seed", "1"], cwd=ROOT, capture_output=True, text=True,
                              timeout=300, preexec_fn=enter, env={**os.environ, "AUTOGRADER_LANGUAGE": "en"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    adj, limit, size = probe(json.loads(out.read_text()))
    assert adj == 1000
    assert limits.ADDRESS_SLACK < limit - size < 768 * MB - limits.GRADER_RESERVE + limits.ADDRESS_SLACK, \
        (limit, size)
    assert limit < config.load()["limits"].memory_bytes


def grade_in_cgroup(path, tmp_path, limit):
    out = tmp_path / "results.json"
    with memory_cgroup(limit) as join:
        def enter():
            with open(join, "w") as f:
                f.write(str(os.getpid()))

        proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(path), "--out", str(out),
                               "--seed", "1"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                              preexec_fn=enter, env={**os.environ, "AUTOGRADER_LANGUAGE": "en"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(out.read_text())


@needs_root
def test_memory_that_creeps_in_a_small_container_costs_forward_and_says_why(tmp_path):
    """forward keeps 100 MB more on every call (2.5 GB in all): in Gradescope's 768 MB the
    worker reaches what it is given (its address space, or the container's memory, when
    the kernel stops it), the grader survives, the other functions keep their points, and
    the student reads that the code ran out of memory."""
    data = grade_in_cgroup(ROOT / "tests" / "submissions" / "hostile" / "memory_creep.py", tmp_path, 768 * MB)
    sums = by_tag(data)
    assert all(sums[f][0] == sums[f][1] for f in ("loss", "backward", "sgd_step")), lost(data)
    assert sums["forward"][0] < sums["forward"][1], lost(data)
    hint = messages.MESSAGES["hint_out_of_memory"]["en"].format(fn="forward")
    killed = messages.MESSAGES["exit_oom"]["en"].format(mb=768)
    assert hint in outputs(data) or killed in outputs(data), lost(data)
