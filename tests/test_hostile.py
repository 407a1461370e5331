"""Hostile submissions are contained: the grade is still written, by us, and reflects only
what the functions returned."""
import json
import os
import pwd
import re
import time

import pytest
from conftest import REFERENCE, ROOT, SUBMISSIONS, by_tag, grade, lost, needs_root, outputs, reference

from autograder import config

HOSTILE = SUBMISSIONS / "hostile"


def worker_uids():
    """Every account student code may run as: the pool, and the older single accounts."""
    uids = set()
    limits = config.load()["limits"]   # the pool's size and name: config.toml's
    for name in [f"{limits.user}{i}" for i in range(limits.accounts)] + [limits.user, "nobody"]:
        try:
            uids.add(pwd.getpwnam(name).pw_uid)
        except KeyError:
            pass
    return uids


def processes_of(uids):
    pids = []
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and os.stat(f"/proc/{pid}").st_uid in uids:
                pids.append(int(pid))
        except FileNotFoundError:
            pass
    return pids


def ours_left(uids=None):
    """Processes of the worker accounts forked from this checkout's zygote (not another
    checkout's, graded on the same machine at the time) that can still run."""
    from autograder.sandbox.accounts import _runs

    ours = []
    for pid in processes_of(uids or worker_uids()):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if str(ROOT).encode() in f.read() and _runs(pid):
                    ours.append(pid)
        except OSError:
            pass
    return ours


def gone_soon(find, seconds=10):
    """find() once it returns nothing, or after `seconds`: what the kernel has not yet
    reaped a moment after a grade ends is gone soon after, on a slow machine too."""
    deadline = time.monotonic() + seconds
    while (left := find()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def full(data, *tags):
    sums = by_tag(data)
    return all(sums[t][0] == sums[t][1] for t in tags)


def zero(data, *tags):
    sums = by_tag(data)
    return all(sums[t][0] == 0 for t in tags)


def test_forged_results_are_overwritten(graded):
    """mlp.py writes a perfect results.json wherever it can, at import: what is read is
    the grader's, with its own tests, and nothing of the forgery."""
    data = graded(HOSTILE / "forge_results.py")
    assert data["score"] < 50, lost(data)
    ref = graded(reference())
    assert [(t["number"], t["name"], t["max_score"]) for t in data["tests"]] == \
        [(t["number"], t["name"], t["max_score"]) for t in ref["tests"]]
    assert "All tests passed." not in json.dumps(data), data["output"]   # the forged text


def test_sys_exit_at_import(graded):
    data = graded(HOSTILE / "sys_exit.py")
    assert data["score"] == 0
    assert "could not be imported" in data["tests"][0]["output"] and "SystemExit" in outputs(data)


def test_os_exit_in_backward_costs_only_backward(graded):
    data = graded(HOSTILE / "os_exit_backward.py")
    assert zero(data, "backward") and full(data, "forward", "loss", "sgd_step"), lost(data)
    assert "exit status 0" in outputs(data)


def test_infinite_loop_costs_only_forward(graded):
    data = graded(HOSTILE / "infinite_loop.py")
    assert zero(data, "forward", "training") and full(data, "loss", "backward", "sgd_step"), lost(data)
    assert "did not finish within" in outputs(data)


def test_print_flood_is_truncated(graded):
    data = graded(HOSTILE / "print_flood.py")
    assert zero(data, "forward") and full(data, "loss", "backward", "sgd_step"), lost(data)
    assert "output truncated" in outputs(data)
    assert max(len(t["output"]) for t in data["tests"]) < 20000


def test_memory_hog_costs_only_forward(graded):
    data = graded(HOSTILE / "memory_hog.py")
    assert zero(data, "forward") and full(data, "loss", "backward", "sgd_step"), lost(data)


def test_segfault_costs_only_backward(graded):
    data = graded(HOSTILE / "crash_segfault.py")
    assert zero(data, "backward") and full(data, "forward", "loss", "sgd_step"), lost(data)
    assert "segmentation fault" in outputs(data)


def test_crash_is_explained_in_chinese_by_default(graded_zh):
    data = graded_zh(HOSTILE / "crash_segfault.py")
    assert "backward：运行你代码的进程崩溃了（段错误）" in outputs(data)


@pytest.mark.parametrize("name", ["monkeypatch_torch", "tensor_subclass"])
def test_comparisons_cannot_be_faked(graded, name):
    """Only the shape, dtype and device checks (x.1, and the device tests 1.4, 2.6, 3.8,
    4.3) may pass: the values are garbage."""
    data = graded(HOSTILE / f"{name}.py")
    kept = {"1.4", "2.6", "3.8", "4.3"}
    assert all(t["score"] == 0 for t in data["tests"] if not t["number"].endswith(".1") and t["number"] not in kept), \
        lost(data)
    assert data["score"] < 20


def test_tensor_subclass_is_named(graded):
    assert "subclass of torch.Tensor" in outputs(graded(HOSTILE / "tensor_subclass.py"))


@needs_root
def test_reference_cannot_be_read(tmp_path):
    src = (HOSTILE / "read_reference.py").read_text()
    path = tmp_path / "mlp.py"
    path.write_text(src.replace("__REFERENCE_PATH__", str(reference())))
    data, _ = grade(path, tmp_path)
    text = outputs(data)
    assert "REFERENCE: denied" in text and "REFERENCE: readable" not in text
    assert data["score"] < 50
    for locked in (REFERENCE, ROOT / ".git"):   # the history holds the reference too
        if locked.exists():
            assert locked.stat().st_mode & 0o077 == 0, locked


@pytest.mark.alone
@needs_root
def test_no_process_survives_grading(tmp_path):
    """The grandchild's pid is as its own /proc numbers it (its PID namespace's, where it
    has one), so what is checked is that no process of the worker accounts is left."""
    data, _ = grade(HOSTILE / "leave_process.py", tmp_path)
    assert re.search(r"CHILD PID (\d+)", outputs(data)), lost(data)   # it did leave one
    assert gone_soon(ours_left) == []
    assert data["score"] == 100, lost(data)


@pytest.mark.alone
@needs_root
def test_fork_bomb_is_limited_and_cleaned_up(tmp_path):
    data, _ = grade(HOSTILE / "fork_bomb.py", tmp_path)
    assert len(data["tests"]) >= 15
    assert ours_left() == []


@needs_root
def test_a_worker_sees_only_its_own_processes(graded):
    """A worker lists /proc at import: it sees no process outside its own session (not
    the grader, the zygote, other workers or the machine's init), so it keeps its points."""
    data = graded(HOSTILE / "list_proc.py")
    assert "PROC: only my session" in outputs(data), lost(data)
    assert data["score"] == 100, lost(data)
