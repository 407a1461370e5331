"""Grade many submissions at once: `python -m autograder grade-all FOLDER --out DIR`.

One zygote (the pre-warmed worker pool) serves every job. The trusted side imports
torch, pytest and the grading tests once, then forks --jobs grading processes; each one
holds a worker account of its own for its whole life and grades submission after
submission exactly as `grade` would (grade.grade_one), so a submission gets the same
results.json in a batch as alone with the same seed.
"""
import hashlib
import multiprocessing
import os
import secrets
import sys
import time
from pathlib import Path

from . import config as settings
from . import messages
from .grade import grade_one
from .sandbox import InstallationError, Zygote, lock_down, take_account


def discover(folder):
    """{name: path}: each subfolder that holds an mlp.py somewhere, and each .py file
    directly in folder. Other files are ignored."""
    found = {}
    for entry in sorted(Path(folder).iterdir()):
        if entry.is_dir() and any(p.is_file() for p in entry.rglob("mlp.py")):
            found[entry.name] = entry
        elif entry.is_file() and entry.suffix == ".py":
            found[entry.stem] = entry
    return found


def submission_seed(run_seed, name):
    """Each submission's seed, from the run's seed and its name: a rerun reproduces it,
    and `grade PATH --seed <it>` reproduces one grade alone."""
    digest = hashlib.sha256(f"{run_seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "little") % 2**31


# -- one grading process --------------------------------------------------------
_job = {}


def _start_job(zygote, slots, conf, reference):
    i = slots.get()
    zygote.keep_only(i)
    messages.set_language(conf["language"])
    _job.update(client=zygote.client(i), conf=conf, reference=reference, account=None)
    try:
        _job["account"] = take_account(conf["limits"])
    except InstallationError as exc:
        _job["broken"] = exc


def _grade(task):
    name, path, seed, out = task
    start = time.monotonic()
    data = grade_one(path, out, seed, _job["conf"], _job["client"], _job["account"], _job["reference"],
                     broken=_job.get("broken"))
    return name, data, time.monotonic() - start


# -- the command ----------------------------------------------------------------
def grade_all(folder, out_dir, jobs=2, seed=None, reference=settings.REFERENCE):
    """Grade every submission in folder into out_dir/results/<name>.json. Returns
    {name: results dict}."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")   # before torch: fork-safe, one thread each
    conf = settings.load()
    messages.set_language(conf["language"])
    submissions = discover(folder)
    run_seed = int(seed) if seed is not None else secrets.randbelow(2**31)
    results_dir = Path(out_dir) / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    lock_down(reference.parent, reference.parent.parent / ".git", results_dir)
    jobs = max(1, min(jobs, len(submissions) or 1))
    zygote = Zygote.start(jobs)   # imports torch while we do
    import pytest  # noqa: F401
    import torch  # noqa: F401


    tasks = [(name, str(path), submission_seed(run_seed, name), str(results_dir / f"{name}.json"))
             for name, path in submissions.items()]
    graded = {}
    ctx = multiprocessing.get_context("fork")
    slots = ctx.SimpleQueue()
    for i in range(jobs):
        slots.put(i)
    print(f"grading {len(tasks)} submissions with {jobs} jobs (run seed {run_seed})", file=sys.stderr)
    try:
        with ctx.Pool(jobs, initializer=_start_job, initargs=(zygote, slots, conf, reference)) as pool:
            for sock in zygote.sockets:   # the jobs hold their own copies now
                sock.close()
            for name, data, seconds in pool.imap_unordered(_grade, tasks):
                graded[name] = data
                print(f"{len(graded):4}/{len(tasks)} {name}: {data['score']:g} ({seconds:.1f} s)",
                      file=sys.stderr)
    finally:
        zygote.stop()
    return graded
