"""Gradescope's default container (768 MB, half a CPU): the worker gets only the memory the
container has left, the kernel picks the worker when memory runs out, and a student
whose worker the kernel killed reads that it ran out of memory."""
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from conftest import ROOT, by_tag, grade, lost, needs_root, outputs

from autograder import config
from autograder.common import messages
from autograder.sandbox import container, handle, limits

MB = 1 << 20


def write(root, path, text):
    path = root / path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_cgroup_v1_limit_usage_and_kills(tmp_path):
    write(tmp_path, "proc/self/cgroup", "5:cpu:/\n4:memory:/job/7\n0::/\n")
    group = "sys/fs/cgroup/memory/job/7"
    write(tmp_path, "sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n")
    write(tmp_path, "sys/fs/cgroup/memory/job/memory.limit_in_bytes", f"{768 * MB}\n")   # the parent is tighter
    write(tmp_path, f"{group}/memory.limit_in_bytes", f"{1024 * MB}\n")
    write(tmp_path, f"{group}/memory.usage_in_bytes", f"{900 * MB}\n")   # page cache included
    write(tmp_path, f"{group}/memory.stat", f"cache 1\nrss 5\ntotal_rss {380 * MB}\ntotal_shmem {20 * MB}\n"
                                            f"total_active_file {400 * MB}\n")
    write(tmp_path, f"{group}/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n")
    assert container.memory(str(tmp_path)) == container.Memory(limit=768 * MB, used=400 * MB, oom_kills=3)


def test_cgroup_v2_inside_a_container(tmp_path):
    """Docker's cgroup namespace: /proc names a path the mount does not have; the mount's
    root is the container's group."""
    write(tmp_path, "proc/self/cgroup", "0::/docker/abc\n")
    write(tmp_path, "sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n")
    write(tmp_path, "sys/fs/cgroup/memory.max", f"{768 * MB}\n")
    write(tmp_path, "sys/fs/cgroup/memory.current", f"{600 * MB}\n")
    write(tmp_path, "sys/fs/cgroup/memory.stat", f"anon {250 * MB}\nfile {350 * MB}\nactive_file {300 * MB}\n")
    write(tmp_path, "sys/fs/cgroup/memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n")
    assert container.memory(str(tmp_path)) == container.Memory(limit=768 * MB, used=250 * MB, oom_kills=1)


def test_no_limit_means_no_container(tmp_path):
    write(tmp_path, "proc/self/cgroup", "0::/user.slice\n")
    write(tmp_path, "sys/fs/cgroup/cgroup.controllers", "memory\n")
    write(tmp_path, "sys/fs/cgroup/user.slice/memory.max", "max\n")
    write(tmp_path, "sys/fs/cgroup/user.slice/memory.stat", "anon 1000\n")
    assert container.memory(str(tmp_path)) is None
    assert container.memory(str(tmp_path / "nothing")) is None


@pytest.fixture
def in_english():
    """Messages in English for this test only (the language is a global of messages.py)."""
    before = messages.language()
    messages.set_language("en")
    yield
    messages.set_language(before)


def test_a_worker_killed_for_memory_is_told_so(in_english):
    lim = config.load()["limits"]
    said = handle._decode_exit(-signal.SIGKILL, lim, oom=768)
    assert "more memory than the grading machine has (768 MB)" in said, said
    assert "from outside" in handle._decode_exit(-signal.SIGKILL, lim), "no OOM kill: someone else"


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
    """forward keeps 50 MB more on every call (2.5 GB in all): in Gradescope's 768 MB the
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


def test_an_allocation_that_fails_is_named():
    from autograder.common.checks import error_hint

    assert error_hint("RuntimeError: [enforce fail at alloc_cpu.cpp:121] data. DefaultCPUAllocator: "
                      "can't allocate memory: you tried to allocate 52428800 bytes. Error code 12") == "out_of_memory"
    assert error_hint('File "mlp.py", line 9, in forward\nMemoryError') == "out_of_memory"
    assert error_hint("ValueError: shapes do not match") is None


def test_limits_follow_the_settings_file():
    """config.toml holds total_seconds, the budget of one whole grade."""
    from autograder import config

    text = (ROOT / "autograder" / "config.toml").read_text()
    assert "total_seconds = 540" in text and config.load()["limits"].total_seconds == 540


def test_an_override_file_changes_only_the_keys_it_names(tmp_path, monkeypatch):
    """config.toml is the one place a limit is set; AUTOGRADER_CONFIG's file overlays a few
    keys, and a setting missing from config.toml is an error that names it."""
    from autograder import config

    shipped = config.load()
    (tmp_path / "few.toml").write_text('language = "en"\n[limits]\ntotal_seconds = 25\n')
    monkeypatch.setenv("AUTOGRADER_CONFIG", str(tmp_path / "few.toml"))
    monkeypatch.delenv("AUTOGRADER_LANGUAGE", raising=False)
    tried = config.load()
    assert tried["language"] == "en" and tried["limits"].total_seconds == 25
    assert tried["limits"].memory_bytes == shipped["limits"].memory_bytes == 3072 << 20
    assert tried["default_visibility"] == shipped["default_visibility"]
    monkeypatch.delenv("AUTOGRADER_CONFIG")
    broken = tmp_path / "config.toml"
    broken.write_text(config.CONFIG.read_text().replace("memory_mb", "# memory_mb"))
    monkeypatch.setattr(config, "CONFIG", broken)
    with pytest.raises(KeyError, match="memory_mb"):
        config.load()
