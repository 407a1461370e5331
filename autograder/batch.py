"""Grade a class: `python -m autograder grade-all SOURCE --out DIR [--jobs N] [--seed S] [--force]`.

SOURCE is a Gradescope export (zip or folder) or a plain folder (export.py reads it).
One zygote (the pre-warmed worker pool) serves every job. The trusted side imports
torch, pytest and the grading tests once, then forks --jobs grading processes; each one
holds a worker account of its own for its whole life and grades submission after
submission exactly as `grade` would (grade.grade_one), so a submission gets the same
results.json in a batch as alone with the same seed.

DIR holds run.json (the run's seed), results/<name>.json (one per graded submission,
written as soon as it is graded), grades.csv and report.html (report.py, rewritten from
every result at the end of each run, even an interrupted one). A rerun regrades only the
submissions whose fingerprint changed: their content, the grader's code and settings, or
their seed.
"""
import fcntl
import hashlib
import json
import multiprocessing
import os
import secrets
import shutil
import signal
import sys
import time
from pathlib import Path

from . import config as settings
from . import messages
from .export import GRADED_STATUSES, SourceError, read_source
from .grade import grade_one
from .sandbox import InstallationError, Zygote, lock_down, take_account


def submission_seed(run_seed, name):
    """Each submission's seed, from the run's seed and its name: a rerun reproduces it,
    and `grade PATH --seed <it>` reproduces one grade alone."""
    digest = hashlib.sha256(f"{run_seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "little") % 2**31


# Code of the autograder package that never decides a grade: changing it regrades nothing.
NOT_GRADING = {"batch.py", "export.py", "report.py", "build.py", "fixtures.py", "__main__.py"}


def grader_fingerprint(reference=settings.REFERENCE):
    """A digest of everything that decides a grade besides the submission: the grader's
    code and settings, and the hidden reference."""
    h = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for folder in (package, reference.parent):
        for path in sorted(folder.rglob("*")):
            if path.parent == package and path.name in NOT_GRADING:
                continue
            if path.is_file() and path.suffix in (".py", ".toml", ".json") and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    h.update(os.environ.get("AUTOGRADER_LANGUAGE", "").encode())
    return h.hexdigest()


def fingerprint(sub, seed, grader):
    h = hashlib.sha256(f"{grader}:{seed}:{sub.status}:".encode())
    if sub.path and sub.path.is_file():
        h.update(sub.path.read_bytes())
    elif sub.path:
        for p in sorted(sub.path.rglob("*")):
            if p.is_file():
                h.update(str(p.relative_to(sub.path)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def run_seed(out_dir, seed):
    """--seed, or the seed kept in DIR/run.json, or a new one (then kept)."""
    path = out_dir / "run.json"
    kept = json.loads(path.read_text())["seed"] if path.exists() else None
    chosen = int(seed) if seed is not None else kept if kept is not None else secrets.randbelow(2**31)
    if chosen != kept:
        path.write_text(json.dumps({"seed": chosen}) + "\n")
    return chosen


def up_to_date(results_path, fp):
    try:
        extra = json.loads(results_path.read_text())["extra_data"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return extra.get("fingerprint") == fp and not extra.get("grader_error")


# -- one grading process --------------------------------------------------------
_job = {}


def _start_job(zygote, slots, conf, reference):
    # Ctrl-C reaches the whole process group: the main process stops the jobs itself
    # (terminate), so that no job writes a results.json for a grade cut short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    i = slots.get()
    zygote.keep_only(i)
    messages.set_language(conf["language"])
    _job.update(client=zygote.client(i), conf=conf, reference=reference, account=None)
    try:
        _job["account"] = take_account(conf["limits"])
    except InstallationError as exc:
        _job["broken"] = exc


def _grade(task):
    name, path, seed, out, extra = task
    start = time.monotonic()
    data = grade_one(path, out, seed, _job["conf"], _job["client"], _job["account"], _job["reference"],
                     broken=_job.get("broken"), extra=extra)
    return name, data, time.monotonic() - start


def _hold(out_dir):
    """One run at a time writes to a DIR: a second one is refused, not interleaved. The
    lock lasts as long as this process."""
    fd = os.open(out_dir / ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SourceError(f"another grade-all is writing to {out_dir}; wait for it to finish") from None
    return fd


def _progress(total):
    """A progress bar on a terminal; nothing otherwise."""
    from tqdm import tqdm

    return tqdm(total=total, unit="submission", disable=not sys.stderr.isatty(), file=sys.stderr,
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}]")


# -- the command ----------------------------------------------------------------
def grade_all(source, out_dir, jobs=2, seed=None, force=False, reference=settings.REFERENCE):
    """Grade every submission of source into out_dir; write grades.csv and report.html.
    Returns (submissions, {name: results dict}). Raises SourceError if source is unreadable."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")   # before torch: fork-safe, one thread each
    conf = settings.load()
    messages.set_language(conf["language"])
    out_dir = Path(out_dir)
    results_dir = out_dir / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    lock = _hold(out_dir)
    unpacked = out_dir / "source"   # where a zip is unpacked; the source itself is never touched
    shutil.rmtree(unpacked, ignore_errors=True)
    unpacked.mkdir()
    lock_down(reference.parent, reference.parent.parent / ".git", results_dir, unpacked)
    skipped = []
    subs = read_source(source, unpacked, skipped)
    for member in skipped:
        print(f"skipped zip member {member!r}: it would land outside {unpacked}, or it is a link",
              file=sys.stderr)
    seed0 = run_seed(out_dir, seed)
    grader = grader_fingerprint(reference)
    tasks, kept = [], 0
    for sub in subs:
        if sub.status not in GRADED_STATUSES:
            print(f"skipped {sub.name}: {sub.status} ({sub.detail})", file=sys.stderr)
            continue
        s = submission_seed(seed0, sub.name)
        fp = fingerprint(sub, s, grader)
        out = results_dir / f"{sub.name}.json"
        if not force and up_to_date(out, fp):
            kept += 1
            continue
        tasks.append((sub.name, str(sub.path), s, str(out), {"fingerprint": fp, "submission": sub.name}))
    print(f"{len(subs)} submissions: {len(tasks)} to grade, {kept} unchanged since the last run "
          f"(run seed {seed0}; --force regrades all)", file=sys.stderr)
    try:
        if tasks:
            _grade_tasks(tasks, jobs, conf, reference)
    finally:   # even when interrupted: the report covers every result in DIR
        from .report import write_reports

        results = write_reports(subs, out_dir, conf["language"])
        os.close(lock)
    return subs, results


def _grade_tasks(tasks, jobs, conf, reference):
    jobs = max(1, min(jobs, len(tasks)))
    zygote = Zygote.start(jobs)   # imports torch while we do
    import pytest  # noqa: F401
    import torch  # noqa: F401

    from . import checks, results  # noqa: F401  (loaded once, before the jobs are forked)

    ctx = multiprocessing.get_context("fork")
    slots = ctx.SimpleQueue()
    for i in range(jobs):
        slots.put(i)
    try:
        with ctx.Pool(jobs, initializer=_start_job, initargs=(zygote, slots, conf, reference)) as pool, \
                _progress(len(tasks)) as bar:
            for sock in zygote.sockets:   # the jobs hold their own copies now
                sock.close()
            for name, data, seconds in pool.imap_unordered(_grade, tasks):
                bar.set_postfix_str(f"{name}: {data['score']:g}", refresh=False)
                bar.update()
    finally:
        zygote.stop()
