"""The container's memory as its cgroup (v1 or v2) sees it (sandbox/container.py), on
cgroup files written here; what a student reads when the kernel killed the worker for
memory; the allocation errors that get the out-of-memory hint; the settings' time budget.
(The end-to-end part, grades in a real cgroup, is tests/test_container.py.)"""
import signal

import pytest
from conftest import ROOT

from autograder import config
from autograder.common import messages
from autograder.sandbox import container, handle

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


def test_a_call_out_of_time_with_memory_full_is_told_as_memory(in_english):
    """A worker stopped at the call limit while the container's memory was full, or after
    the kernel killed for memory, ran out of memory; with room left it was too slow."""
    before = container.Memory(limit=768 * MB, used=400 * MB, oom_kills=2)
    assert container.out_of_memory(before, container.Memory(768 * MB, 500 * MB, 2)) is None   # room left
    assert container.out_of_memory(before, container.Memory(768 * MB, 750 * MB, 2)) == 768   # full
    assert container.out_of_memory(before, container.Memory(768 * MB, 450 * MB, 3)) == 768   # a kill meanwhile
    assert container.out_of_memory(None, None) is None   # no limit known: a timeout stays a timeout
    said = messages.say("worker_died", what="forward", why=messages.say("exit_oom", mb=768))
    assert "more memory than the grading machine has (768 MB)" in said


def test_the_missing_protections_line_names_only_what_is_missing():
    """In Docker's default confinement (Landlock ABI 7, no namespaces) the line blames the
    namespaces alone, never a Landlock version that held."""
    from autograder.sandbox.handle import missing_text

    docker = {"pid namespace": False, "network namespace": False, "private tmpfs": False, "private /proc": False,
              "Landlock (files)": True, "Landlock (TCP)": True, "Landlock (abstract sockets, signals)": True,
              "no sockets (seccomp)": True}
    text = missing_text(docker, ["x"])
    assert "CAP_SYS_ADMIN" in text and "Landlock ABI" not in text and "Landlock (files)" not in text, text
    old_kernel = {**docker, "Landlock (TCP)": False, "Landlock (abstract sockets, signals)": False}
    text = missing_text(old_kernel, ["x"])
    assert "Landlock ABI 4 needs Linux 6.7" in text and "Landlock ABI 6 needs Linux 6.12" in text, text
    no_namespaces_needed = {**docker, "pid namespace": True, "network namespace": True, "private tmpfs": True,
                            "private /proc": True, "Landlock (abstract sockets, signals)": False}
    text = missing_text(no_namespaces_needed, [])
    assert "CAP_SYS_ADMIN" not in text and "ABI 6" in text and "ABI 4" not in text, text
