"""Many grades at once: a batch gives each submission the grade it gets alone, grading
sessions running side by side never disturb each other, and a worker reads nothing but
its own submission."""
import dataclasses
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time

import pytest
from conftest import (
    NEIGHBOURS,
    ROOT,
    SEED,
    SUBMISSIONS,
    batch_name,
    by_tag,
    grade,
    grade_all,
    lost,
    needs_root,
    outputs,
    reference,
    short_calls,
)

from autograder import config
from autograder.classroom.batch import submission_seed
from autograder.common.messages import say
from autograder.sandbox.accounts import take_account
from autograder.sandbox.worker.confine import abi

CORRECT = sorted((SUBMISSIONS / "correct").glob("*.py"))


def essence(data):
    """What a student reads, test by test (names, scores, outputs, ...), and the seed;
    not the timings."""
    return data["tests"], data["extra_data"]["seed"], data["output"]


@pytest.mark.parametrize("path", [reference(), SUBMISSIONS / "buggy" / "grad_no_divide_by_m.py",
                                  SUBMISSIONS / "buggy" / "loss_clamp_1e12.py",
                                  SUBMISSIONS / "hostile" / "crash_segfault.py"], ids=lambda p: p.stem)
def test_batch_grade_equals_the_grade_alone(graded, tmp_path, path):
    in_batch = graded(path)   # graded beside every other test submission, 2 jobs
    seed = submission_seed(SEED, batch_name(path))
    assert in_batch["extra_data"]["seed"] == seed
    alone, _ = grade(path, tmp_path, seed=seed)
    assert essence(in_batch) == essence(alone)


def test_a_folder_without_exactly_one_mlp_is_told_so_in_its_language(tmp_path):
    """In a batch, as alone: a folder with two mlp.py files reads both paths, one with
    none reads that there is none, in the configured language."""
    src = tmp_path / "src"
    (src / "two" / "old").mkdir(parents=True)
    for rel in ("mlp.py", "old/mlp.py"):
        shutil.copy(reference(), src / "two" / rel)
    (src / "none").mkdir()
    (src / "none" / "README.md").write_text("no code here\n")
    results, _ = grade_all(src, tmp_path / "out", language="zh")
    assert say("several_files", "zh", paths="mlp.py, old/mlp.py") in outputs(results["two"]), \
        lost(results["two"])
    assert say("no_file", "zh") not in outputs(results["two"])
    assert say("no_file", "zh") in outputs(results["none"]), lost(results["none"])
    assert results["two"]["score"] == results["none"]["score"] == 0


def test_hostile_neighbours_change_nothing(graded):
    """Every hostile submission was graded in the same batch as correct ones (two at a
    time): the correct ones keep full marks. (The WAIT_OUT ones, in their own batch,
    have neighbours of their own there.)"""
    for path in CORRECT + [reference()]:
        data = graded(path)
        assert data["score"] == 100, f"{path.stem}\n{lost(data)}"
    assert len(graded.neighbours) == len(NEIGHBOURS)
    for name, data in graded.neighbours.items():
        assert data["score"] == 100, f"{name}\n{lost(data)}"


@needs_root
def test_sessions_at_once_never_disturb_each_other(tmp_path):
    """Five `grade` sessions started together: three correct, one that leaves a process
    behind, one with an infinite loop (with the suite's shorter call limit: it waits out
    every call to forward). Each gets its own worker account."""
    subs = [reference(), CORRECT[0], CORRECT[1],
            SUBMISSIONS / "hostile" / "leave_process.py", SUBMISSIONS / "hostile" / "infinite_loop.py"]
    procs = []
    for i, path in enumerate(subs):
        out = tmp_path / f"{i}.json"
        procs.append((path, out, subprocess.Popen(
            [sys.executable, "-m", "autograder", "grade", str(path), "--out", str(out), "--seed", str(SEED)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "AUTOGRADER_LANGUAGE": "en",
                 **(short_calls(tmp_path) if path.stem == "infinite_loop" else {})})))
    import json
    results = {}
    for path, out, proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        results[path.stem] = json.loads(out.read_text())
    for path in subs[:4]:   # leave_process is correct apart from its orphan
        assert results[path.stem]["score"] == 100, f"{path.stem}\n{lost(results[path.stem])}"
    sums = by_tag(results["infinite_loop"])
    assert sums["forward"][0] == 0 and sums["loss"][0] == sums["loss"][1]


@pytest.mark.alone
@needs_root
def test_a_session_waits_for_a_free_account(capfd):
    """With every account held, the next session says so and waits; it goes on as soon
    as one is free."""
    limits = dataclasses.replace(config.load()["limits"], accounts=2)
    held = [take_account(limits), take_account(limits)]
    assert len({a.name for a in held}) == 2
    got = []
    waiter = threading.Thread(target=lambda: got.append(take_account(limits)))
    waiter.start()
    time.sleep(0.5)
    assert not got and "busy" in capfd.readouterr().err
    os.close(held[0].lock)
    waiter.join(timeout=10)
    assert got and got[0].name == held[0].name
    for account in (held[1], got[0]):
        os.close(account.lock)


SNOOP = '''
import glob, os
targets = {"NEIGHBOUR": "__NEIGHBOUR__", "RESULTS": "__RESULTS__"}
for scratch in glob.glob("/tmp/grade-worker-*/mlp.py"):
    if not scratch.startswith(os.getcwd()):
        targets["SCRATCH"] = scratch
for label, path in targets.items():
    try:
        open(path).read(1)
        print(label, "readable", path)
    except OSError:
        print(label, "denied")
'''


@needs_root
@pytest.mark.skipif(abi() < 1, reason="this kernel has no Landlock: reading is limited by file permissions only")
def test_a_worker_reads_only_its_own_submission(tmp_path):
    """Even a neighbour's file that everybody may read, and the results folder, stay out
    of reach (Landlock), and so does another worker's scratch folder."""
    folder = tempfile.mkdtemp(prefix="open-class-")   # world-readable, as an instructor's might be
    try:
        os.chmod(folder, 0o755)
        shutil.copy(CORRECT[0], f"{folder}/alice.py")
        os.chmod(f"{folder}/alice.py", 0o644)
        out = tmp_path / "out"
        snoop = SNOOP.replace("__NEIGHBOUR__", f"{folder}/alice.py").replace("__RESULTS__", str(out / "results" / "alice.json"))
        snoop += (reference()).read_text().split('"""', 2)[2]
        with open(f"{folder}/snoop.py", "w") as f:
            f.write(snoop)
        results, _ = grade_all(folder, out)
        text = outputs(results["snoop"])
        assert "NEIGHBOUR denied" in text and "RESULTS denied" in text and "readable" not in text, text
        assert results["alice"]["score"] == 100
    finally:
        shutil.rmtree(folder)


@needs_root
def test_results_folder_is_closed_to_workers(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(reference(), src / "ref.py")
    grade_all(src, tmp_path / "out")
    assert stat.S_IMODE((tmp_path / "out" / "results").stat().st_mode) == 0o700


def test_the_zygote_is_warm_with_one_thread_and_no_cuda():
    """The pre-warmed process forks workers, so it must hold one thread only (a fork copies
    just the calling thread) and must not have touched CUDA."""
    from autograder.sandbox.pool import Zygote

    zygote = Zygote.start()
    try:
        hello = zygote.client().hello(120)
        assert hello["threads"] == 1, hello
        maps = open(f"/proc/{hello['zygote']}/maps").read()
        assert "libcuda" not in maps
    finally:
        zygote.stop()
