"""Grade a class: `python -m autograder grade-all SOURCE --out DIR [--jobs N] [--seed S]
[--force] [--shard K/N|auto]`, and `python -m autograder merge DIR [DIR ...] --out DIR`.

SOURCE is a Gradescope export (zip or folder) or a plain folder (export.py reads it).
The trusted side imports torch, pytest and the grading tests once, then forks --jobs
grading processes (jobs) under a supervisor. Each job holds a worker account of its own
for its whole life and a control socket of a zygote (the pre-warmed worker pool), and
grades one submission at a time exactly as `grade` would (grade.grade_safely), so a
submission gets the same results.json in a batch as alone with the same seed. A job that
dies loses only the submission it was grading: that one is graded once more on a fresh
job, and after a second death it is recorded as a grader error, for it alone.

DIR holds run.json (the run's seed), results/<name>.json (one per graded submission,
written whole as soon as it is graded: a grade is written under .partial/ and renamed),
grades.csv and report.html (report.py, rewritten from every result at the end of each
run, even an interrupted one). A rerun regrades only the submissions whose fingerprint
changed: their content, the grader's code and settings, or their seed.

With --shard K/N a run grades only the submissions whose name falls in part K (a digest
of the name), and writes parts/K-of-N.json (the class as it read it) instead of the
report; `merge` gathers the parts into the grades.csv and report.html one run would write.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import multiprocessing
import os
import pickle
import secrets
import shutil
import signal
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import config as settings
from ..assignment import current, grading_files
from ..common import messages
from ..grading.grade import GradeRequest, begin, grade_safely
from ..grading.session_loop import grade_in_sessions
from ..sandbox import nofollow
from ..sandbox.accounts import kill_user_processes, lock_folder, take_account
from ..sandbox.errors import InstallationError
from ..sandbox.pool import Zygote, take_early
from .export import GRADED_STATUSES, SourceError, read_source
from .report import changes, load_results, replace_file, write_reports

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from .export import Submission


def submission_seed(run_seed: int, name: str) -> int:
    """Each submission's seed, from the run's seed and its name: a rerun reproduces it,
    and `grade PATH --seed <it>` reproduces one grade alone."""
    digest = hashlib.sha256(f"{run_seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "little") % 2**31


def grader_fingerprint(reference: Path | None = None) -> str:
    """A digest of everything that decides a grade besides the submission: the grader's
    code and settings, and the assignment's tests and hidden reference (assignment.grading_files)."""
    h = hashlib.sha256()
    for name, path in grading_files(reference):
        h.update(name.encode() + b"\0" + path.read_bytes())
    h.update(settings.settings_text().encode())
    h.update(os.environ.get("AUTOGRADER_LANGUAGE", "").encode())
    return h.hexdigest()


def fingerprint(sub: Submission, seed: int, grader: str) -> str:
    h = hashlib.sha256(f"{grader}:{seed}:{sub.status}:".encode())
    where = sub.path or sub.where   # no single file to grade: its folder (the paths its student reads)
    if sub.path:
        h.update(nofollow.read_bytes(sub.path))
    elif where and where.is_dir() and not where.is_symlink():   # links are named, never followed
        files, file_links, folder_links = nofollow.walk(where.resolve())
        for p in files:
            h.update(str(p).encode() + b"\0" + nofollow.read_bytes(where.resolve() / p))
        for p in file_links + folder_links:
            h.update(str(p).encode() + b"\0link\0")
    return h.hexdigest()


def run_seed(out_dir: Path, seed: int | None) -> int:
    """--seed, or the seed kept in DIR/run.json, or a new one (then kept)."""
    path = out_dir / "run.json"
    kept = json.loads(path.read_text())["seed"] if path.exists() else None
    chosen = int(seed) if seed is not None else kept if kept is not None else secrets.randbelow(2**31)
    if chosen != kept:
        replace_file(path, (json.dumps({"seed": chosen}) + "\n").encode())
    return chosen


def up_to_date(results_path: Path, fp: str) -> bool:
    try:
        extra = json.loads(results_path.read_text())["extra_data"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return extra.get("fingerprint") == fp and not extra.get("grader_error")


# -- parts of a class (--shard K/N) ---------------------------------------------
def shard_of(name: str, count: int) -> int:
    """The part (0 .. count-1) a submission belongs to: a digest of its name alone, so
    that every task of an array computes the same partition on its own."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


def parse_shard(text: str, environ: Mapping[str, str] = os.environ, count: int | None = None) -> tuple[int, int]:
    """(K, N) from "K/N", or from the scheduler's environment for "auto": Slurm's
    SLURM_ARRAY_TASK_ID (less SLURM_ARRAY_TASK_MIN) and SLURM_ARRAY_TASK_COUNT, or
    Kubernetes' JOB_COMPLETION_INDEX with the count from JOB_COMPLETION_COUNT (Kubernetes
    sets only the index: the Job sets the count, or --shard-count). Raises SourceError."""
    if text == "auto":
        if "SLURM_ARRAY_TASK_ID" in environ:
            k = int(environ["SLURM_ARRAY_TASK_ID"]) - int(environ.get("SLURM_ARRAY_TASK_MIN", 0))
            n = count or environ.get("SLURM_ARRAY_TASK_COUNT")
        elif "JOB_COMPLETION_INDEX" in environ:
            k, n = int(environ["JOB_COMPLETION_INDEX"]), count or environ.get("JOB_COMPLETION_COUNT")
        else:
            raise SourceError("--shard auto: neither SLURM_ARRAY_TASK_ID (a Slurm array) nor "
                              "JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set")
        if n is None:
            raise SourceError("--shard auto: the number of parts is unknown; set JOB_COMPLETION_COUNT "
                              "(or SLURM_ARRAY_TASK_COUNT) or give --shard-count")
    else:
        k, sep, n = text.partition("/")
        if not sep:
            raise SourceError(f"--shard {text}: expected K/N (part K of N, K from 0 to N-1) or auto")
    try:
        k, n = int(k), int(n)
    except ValueError:
        raise SourceError(f"--shard {text}: K and N must be whole numbers") from None
    if not 0 <= k < n:
        raise SourceError(f"--shard {k}/{n}: K must be from 0 to {n - 1}")
    return k, n


def _part_label(shard):
    return f"{shard[0]}-of-{shard[1]}" if shard else "all"


def write_manifest(out_dir: Path, subs: Iterable[Submission], seed: int, shard: tuple[int, int], complete: bool,
                   changed: Iterable[dict[str, Any]] = ()) -> None:
    """DIR/parts/<K>-of-<N>.json: the whole class as this part read it (every part reads
    the same source), so that `merge` can list every submission in the order of one run.
    Written when the part starts, and again when it ends; complete: every submission of
    the part that can be graded has a result."""
    folder = out_dir / "parts"
    folder.mkdir(exist_ok=True)
    listing = [{"name": s.name, "status": s.status, "detail": s.detail, "submitters": s.submitters,
                "created_at": s.created_at} for s in subs]
    data = {"part": shard[0], "parts": shard[1], "seed": seed, "complete": complete, "changes": list(changed),
            "submissions": listing}
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    replace_file(folder / f"{_part_label(shard)}.json", text.encode())


def _hold(out_dir, shard=None):
    """One run at a time writes to a DIR: a second one is refused, not interleaved. The
    parts of a class may share a DIR: each holds .lock shared and its own .lock-K-of-N.
    The locks last as long as this process."""
    fds = []
    wanted = [(".lock", fcntl.LOCK_EX)] if shard is None else [(".lock", fcntl.LOCK_SH),
                                                                 (f".lock-{_part_label(shard)}", fcntl.LOCK_EX)]
    for name, kind in wanted:
        fd = os.open(out_dir / name, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fds.append(fd)
        try:
            fcntl.flock(fd, kind | fcntl.LOCK_NB)
        except BlockingIOError:
            for f in fds:
                os.close(f)
            raise SourceError(f"another grade-all is writing to {out_dir}; wait for it to finish") from None
    return fds


def _progress(total):
    """A progress bar on a terminal; nothing otherwise."""
    from tqdm import tqdm

    return tqdm(total=total, unit="submission", disable=not sys.stderr.isatty(), file=sys.stderr,
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}]")


class Interrupted(KeyboardInterrupt):
    """SIGTERM (a scheduler ending the task, `timeout`, a container stopping), handled
    as Ctrl-C is: signum says which, for the exit status (128 + signum)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _on_sigterm(signum, frame):
    raise Interrupted(signum)


# -- the command ----------------------------------------------------------------
def grade_all(source: Path | str, out_dir: Path | str, jobs: int = 2, seed: int | None = None, force: bool = False,
              reference: Path | None = None, shard: tuple[int, int] | None = None
              ) -> tuple[list[Submission], dict[str, dict[str, Any]]]:
    """Grade every submission of source (or, with shard=(K, N), those of part K) into
    out_dir; write grades.csv and report.html (a part writes its manifest instead: the
    merge writes them). Returns (submissions, {name: results dict}). Raises SourceError
    if source is unreadable, Interrupted on SIGTERM and KeyboardInterrupt on Ctrl-C."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")   # before torch: fork-safe, one thread each
    out_dir = Path(out_dir)
    results_dir = out_dir / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    if shard and seed is None and not (out_dir / "run.json").exists():
        raise SourceError("--shard needs --seed: every part of the class must use the same seed")
    lock = _hold(out_dir, shard)
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    label = _part_label(shard)
    # Where a zip is unpacked (one per part: parts may share DIR); the source itself is never touched.
    unpacked = out_dir / ("source" if shard is None else f"source-{label}")
    partial = out_dir / ".partial" / label   # grades being written; renamed into results/ once whole
    try:
        for folder in (unpacked, partial):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        conf = begin(reference, results_dir, unpacked, out_dir / ".partial")
        skipped = []
        subs = read_source(source, unpacked, skipped)
        for sub in subs:
            if sub.renamed_from:   # two names that would have made one results/<name>.json
                print(messages.say("detail_renamed", original=sub.renamed_from, name=sub.name), file=sys.stderr)
        for member in skipped:
            print(messages.say("batch_zip_member_skipped", member=repr(member), folder=unpacked), file=sys.stderr)
        seed0 = run_seed(out_dir, seed)
        if shard:
            write_manifest(out_dir, subs, seed0, shard, complete=False)
        mine = [s for s in subs if shard is None or shard_of(s.name, shard[1]) == shard[0]]
        tasks = _tasks(mine, seed0, grader_fingerprint(reference), results_dir, partial, force)
        gradable = sum(s.status in GRADED_STATUSES for s in mine)
        print((messages.say("batch_part", part=shard[0], parts=shard[1], last=shard[1] - 1, mine=len(mine),
                            total=len(subs)) if shard else messages.say("batch_all", total=len(subs)))
              + messages.say("batch_plan", todo=len(tasks), same=gradable - len(tasks), seed=seed0), file=sys.stderr)
        regraded = [s for s in mine if s.name in {t.name for t in tasks}]
        before = load_results(regraded, out_dir)   # for what changed since the last run
        try:
            if tasks:
                _grade_tasks(tasks, jobs, conf, reference)
        finally:   # even when interrupted: the report covers every result in DIR
            shutil.rmtree(partial, ignore_errors=True)
            with contextlib.suppress(OSError):   # unless another part is still writing there
                partial.parent.rmdir()
            changed = changes(before, load_results(regraded, out_dir))
            _say_changes(changed)
            if shard:
                results = load_results(mine, out_dir)
                write_manifest(out_dir, subs, seed0, shard, complete=all(
                    s.name in results for s in mine if s.status in GRADED_STATUSES), changed=changed)
            else:
                results = write_reports(subs, out_dir, conf["language"], changed)
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)
        for fd in lock:
            os.close(fd)
    return (mine if shard else subs), results


def _say_changes(changed):
    """Old → new score of each regraded submission whose grade changed, with its tests."""
    if changed:
        print(messages.say("batch_changed", count=len(changed)), file=sys.stderr)
    for c in changed:
        tests = ", ".join(f"{n}: {old:g} → {new:g}" for n, _, old, new in c["tests"])
        print(f"  {c['name']}: {c['old']:g} → {c['new']:g}" + (messages.say("batch_change_tests", tests=tests)
                                                                if tests else ""), file=sys.stderr)


def _tasks(subs, seed0, grader, results_dir, partial, force):
    """What to grade: a Task for each submission whose result is missing or out of date."""
    tasks = []
    for sub in subs:
        if sub.status not in GRADED_STATUSES:
            print(messages.say("batch_skipped", name=sub.name, status=sub.status, detail=sub.detail), file=sys.stderr)
            continue
        s = submission_seed(seed0, sub.name)
        fp = fingerprint(sub, s, grader)
        out = results_dir / f"{sub.name}.json"
        if not force and up_to_date(out, fp):
            continue
        # Without exactly one file of the assignment's name, grade_one is given the folder: it finds the same
        # problem there (grade.find_submission) and its student reads which one.
        tasks.append(Task(sub.name, str(sub.path or sub.where), s, str(out), str(partial / f"{sub.name}.json"),
                          {"fingerprint": fp, "submission": sub.name}))
    return tasks


# How long a job told to finish may take to end before it is killed.
JOB_END_SECONDS = 30


# -- the jobs: grading processes under a supervisor -------------------------------
# What the supervisor and its jobs send each other, one dataclass per kind of message: they
# are told apart by type, never by a value a submission brought (a student folder may be
# named "account").
@dataclass(frozen=True)
class Task:
    """Supervisor -> job: grade this submission into partial, then rename it to out."""

    name: str
    path: str
    seed: int
    out: str
    partial: str
    extra: dict[str, Any]


@dataclass(frozen=True)
class Finish:
    """Supervisor -> job: nothing more to grade; end."""


@dataclass(frozen=True)
class AccountTaken:
    """Job -> supervisor: the worker account it holds, to clear up after it if it dies."""

    uid: int
    name: str


@dataclass(frozen=True)
class Graded:
    """Job -> supervisor: one submission graded (failed: a grader error, nothing scored)."""

    name: str
    score: float
    failed: bool
    seconds: float


@dataclass(frozen=True)
class JobSpec:
    """What a job is started with: its zygote and socket index, the settings, the
    reference graded against, and the CPU it holds itself to (None: any)."""

    zygote: Zygote
    index: int
    zygotes: list[Zygote]
    conf: settings.Settings
    reference: Path
    cpu: int | None = None


def _die_with_parent():
    """A job ends when the command does, even if the command was killed (kill -9)."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)   # PR_SET_PDEATHSIG


def _one_cpu(cpu: int | None) -> None:
    """Hold this job to one CPU (its workers follow it: handle.py): a job and its worker
    take turns, never run at once, so one CPU holds both, and their hand-overs stay on it."""
    if cpu is None:
        return
    with contextlib.suppress(OSError, AttributeError):
        os.sched_setaffinity(0, {cpu})


def _cpus() -> list[int]:
    """The CPUs this process may use."""
    try:
        return sorted(os.sched_getaffinity(0))
    except (OSError, AttributeError):
        return []


def _grade(task: Task, request: GradeRequest, session=None) -> Graded:
    """Grade one submission into its partial file, then rename it into results/. Any
    failure of the grader here is this submission's grader error alone. request: the
    job's, with its client, account and settings; session: the job's pytest session
    (session_loop.SessionLoop), or None for one of its own."""
    start = time.monotonic()
    # a bug of ours is this grade's grader error alone (withheld): the batch goes on
    data = grade_safely(replace(request, submission=task.path, out=os.path.abspath(task.partial), seed=task.seed,
                                extra=task.extra, name=task.name), session)
    os.replace(task.partial, task.out)
    return Graded(task.name, data["score"], bool(data["extra_data"].get("grader_error")), time.monotonic() - start)


def _job_main(conn: Connection, others: list[Connection], spec: JobSpec) -> None:
    """A job: take an account, then grade what the supervisor sends, one at a time."""
    # Ctrl-C reaches the whole process group, and a scheduler's SIGTERM may too: the
    # supervisor stops the jobs itself (SIGKILL), so that no job writes a grade cut short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with_parent()
    for c in others:   # the supervisor's ends of every pipe, ours included
        c.close()
    for z in spec.zygotes:
        if z is not spec.zygote:
            z.keep_only(-1)
    spec.zygote.keep_only(spec.index)
    _one_cpu(spec.cpu)
    messages.set_language(spec.conf["language"])
    client = spec.zygote.client(spec.index)
    account, broken = None, None
    try:
        account = take_account(spec.conf["limits"])
    except InstallationError as exc:
        broken = exc
    if account:   # so that the supervisor can clear up after us if we die
        conn.send(AccountTaken(account.uid, account.name))

    def tasks():
        while True:
            try:
                message = conn.recv()
            except EOFError:
                return
            if not isinstance(message, Task):   # Finish
                return
            yield message

    # What every grade of this job shares; each task fills in its submission.
    request = GradeRequest.make("", "", spec.conf, 0, spec.reference, client=client, account=account, broken=broken)
    # One pytest session for the job's whole life: its set-up and collection cost more
    # than many a grade's tests (each submission is still graded apart: session_loop.SessionLoop).
    grade_in_sessions(tasks(), lambda task, session: conn.send(_grade(task, request, session)),
                      spec.conf, spec.reference)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


class _Job:
    """One grading process, as the supervisor sees it: its pipe, the CPU it holds, the task
    it grades and the worker account it said it holds."""

    def __init__(self, proc: BaseProcess, conn: Connection, cpu: int | None = None) -> None:
        self.proc, self.conn, self.cpu = proc, conn, cpu
        self.task: Task | None = None
        self.account: AccountTaken | None = None

    def receive(self) -> Graded | None:
        """Its answer if one is waiting, else None (also when the job broke off); an
        AccountTaken on the way is kept."""
        try:
            while self.conn.poll():
                message = self.conn.recv()
                if isinstance(message, AccountTaken):
                    self.account = message
                elif isinstance(message, Graded):
                    return message
        except (OSError, EOFError, ValueError, pickle.UnpicklingError):
            pass
        return None

    def send(self, message: Task | Finish) -> None:
        with contextlib.suppress(OSError):   # a job that died is seen by its sentinel
            self.conn.send(message)


def _clear_account(account: AccountTaken | None) -> None:
    """After a job died: kill what its worker left running (student code nobody watches
    any more), unless another session has taken the account since (taking it killed them)."""
    if account is None:
        return
    fd = os.open(lock_folder() / f"{account.name}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        kill_user_processes(account.uid)
    except BlockingIOError:
        pass
    finally:
        os.close(fd)


def _died(proc):
    code = proc.exitcode
    return f"killed by {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit status {code}"


class Supervisor:
    """Grades tasks on `jobs` grading processes, one task per job at a time, and replaces
    any job that dies, in the manner of gunicorn's arbiter: assign() gives idle jobs work,
    reap() takes answers and notices deaths, on_death() decides what a death costs. A job
    that dies loses exactly the submission it was grading: that one is graded once more on
    a fresh job and, if that job dies too, recorded as a grader error for it alone.

    Each job needs a control socket of the zygote, which cannot be given one later: the
    zygote is started with spare sockets (as many as jobs), and when those are used up
    another zygote is started."""

    def __init__(self, tasks: Iterable[Task], jobs: int, conf: settings.Settings, reference: Path) -> None:
        self.queue: deque[Task] = deque(tasks)
        self.jobs, self.conf, self.reference = max(1, min(jobs, len(self.queue))), conf, reference
        self.ctx = multiprocessing.get_context("fork")
        self.zygotes: list[Zygote] = []
        self.free: list[tuple[Zygote, int]] = []
        self.running: list[_Job] = []
        self.deaths: Counter[str] = Counter()
        self.idle_deaths = 0
        self.said: dict[str, list[str]] = {"retried": [], "failed": [], "ungraded": []}
        self.bar = None
        self._more_sockets(2 * self.jobs)

    def _more_sockets(self, count: int) -> None:
        # the one the command started before it imported torch, else a new one (it imports torch while we do)
        zygote = take_early() or Zygote.start(count, many=True, layers=current().virtual_gpu_layers)
        self.zygotes.append(zygote)
        self.free.extend((zygote, i) for i in range(len(zygote.sockets)))

    def start_job(self) -> None:
        if not self.free:
            self._more_sockets(self.jobs)
        zygote, index = self.free.pop(0)
        ours, theirs = self.ctx.Pipe()
        others = [j.conn for j in self.running] + [ours]
        # the CPU the fewest running jobs hold (a job started after a death takes the one freed)
        held = Counter(j.cpu for j in self.running)
        cpu = min(_cpus(), key=lambda c: (held[c], c), default=None)
        spec = JobSpec(zygote, index, self.zygotes, self.conf, self.reference, cpu)
        proc = self.ctx.Process(target=_job_main, daemon=True, args=(theirs, others, spec))
        proc.start()
        theirs.close()
        zygote.sockets[index].close()   # the job holds its own copy now
        self.running.append(_Job(proc, ours, cpu))

    def run(self) -> dict[str, list[str]]:
        """Grade every task; returns {"retried", "failed", "ungraded": [names]}."""
        from multiprocessing.connection import wait

        import pytest  # noqa: F401
        import torch  # noqa: F401

        from ..common import checks  # noqa: F401  (loaded once, before the jobs are forked)

        interrupted = True
        try:
            for _ in range(self.jobs):
                self.start_job()
            with _progress(len(self.queue)) as self.bar:
                while self.running:
                    self.assign()
                    wait([j.conn for j in self.running] + [j.proc.sentinel for j in self.running])
                    self.reap()
            interrupted = False
        finally:
            self.stop(kill=interrupted)
        if self.said["retried"]:
            print(messages.say("batch_retried", names=", ".join(self.said["retried"]),
                               failed=", ".join(self.said["failed"]) or messages.say("batch_none")), file=sys.stderr)
        return self.said

    def assign(self) -> None:
        """Give each idle job the next task."""
        for job in self.running:
            if job.task is None and self.queue:
                job.task = self.queue.popleft()
                job.send(job.task)

    def reap(self) -> None:
        """Take each job's answer; let a job with nothing left to do go; see to one that died."""
        for job in list(self.running):
            answer = job.receive()
            if answer:
                job.task = None
                self.bar.set_postfix_str(f"{answer.name}: {'grader error' if answer.failed else f'{answer.score:g}'}",
                                         refresh=False)
                self.bar.update()
            if job.proc.exitcode is None and (job.task or self.queue):
                continue
            self.running.remove(job)
            if job.proc.exitcode is None:   # nothing left for it to do
                job.send(Finish())
                job.proc.join(JOB_END_SECONDS)
                job.conn.close()
                continue
            job.conn.close()
            _clear_account(job.account)
            self.on_death(job)

    def on_death(self, job: _Job) -> None:
        """A job died: its task is graded once more on a fresh job, or, after a second
        death, recorded as a grader error for that submission alone."""
        from ..grading import results

        task = job.task
        if task is None:
            self.idle_deaths += 1
            print(messages.say("batch_idle_death", how=_died(job.proc)), file=sys.stderr)
            if self.idle_deaths > self.jobs + 2:   # something is wrong with the machine, not a submission
                print(messages.say("batch_ungraded", count=len(self.queue)), file=sys.stderr)
                self.said["ungraded"] = [t.name for t in self.queue]
                self.queue.clear()
        else:
            self.deaths[task.name] += 1
            if self.deaths[task.name] == 1:
                print(messages.say("batch_retry", name=task.name, how=_died(job.proc)), file=sys.stderr, flush=True)
                self.said["retried"].append(task.name)
                self.queue.appendleft(task)
            else:
                print(messages.say("batch_died_again", name=task.name, how=_died(job.proc)), file=sys.stderr,
                      flush=True)
                self.said["failed"].append(task.name)
                extra = {"seed": task.seed, "language": self.conf["language"], **task.extra}
                results.write_json(task.out, results.failed_results(
                    [messages.say("batch_died_twice", self.conf["language"], how=_died(job.proc))],
                    extra))
                self.bar.update()
        if self.queue:
            self.start_job()

    def stop(self, kill: bool = False) -> None:
        """Ask the jobs to finish (or kill them: an interrupted run), then let the
        zygotes go."""
        for job in self.running:
            if kill:
                with contextlib.suppress(OSError):
                    job.proc.kill()
            else:
                job.send(Finish())
        for job in self.running:
            job.proc.join(None if kill else JOB_END_SECONDS)
            if job.proc.exitcode is None:
                job.proc.kill()
                job.proc.join()
            if job.proc.exitcode != 0:   # killed: what its worker was running is left to us
                job.receive()
                _clear_account(job.account)
            job.conn.close()
        self.running = []
        for zygote in self.zygotes:
            zygote.stop()


def _grade_tasks(tasks: Iterable[Task], jobs: int, conf: settings.Settings, reference: Path) -> dict[str, list[str]]:
    """Grade every task on `jobs` supervised jobs (Supervisor). Returns {"retried": [names],
    "failed": [names], "ungraded": [names]}."""
    return Supervisor(tasks, jobs, conf, reference).run()


# -- merging the parts ----------------------------------------------------------
def merge(dirs: Collection[Path | str], out_dir: Path | str) -> tuple[list[Submission], dict[str, dict[str, Any]]]:
    """Gather the parts of a class (their results/ and parts/*.json, in one DIR or
    several) into out_dir, and write grades.csv and report.html there: the same files
    as one run over everything with the same seed. Returns (submissions, results).
    Raises SourceError when a part is missing or the parts disagree."""
    from .export import Submission

    found = {}   # (part, parts) -> (dir, manifest)
    for d in map(Path, dirs):
        if not d.is_dir():
            raise SourceError(f"{d} does not exist")
        for path in sorted((d / "parts").glob("*-of-*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                key = (int(data["part"]), int(data["parts"]))
            except (OSError, ValueError, KeyError, TypeError):
                raise SourceError(f"{path} cannot be read") from None
            found.setdefault(key, (d, data))
    if not found:
        raise SourceError(f"no part of a class in {', '.join(map(str, dirs))} (no parts/K-of-N.json: was it "
                          "graded with --shard?)")
    splits = sorted({n for _, n in found})
    if len(splits) > 1:
        raise SourceError(f"these folders hold parts of different splits ({' and '.join(map(str, splits))} parts); "
                          "remove parts/ of the old one")
    count = splits[0]
    missing = [k for k in range(count) if (k, count) not in found]
    if missing:
        raise SourceError(f"part {', '.join(map(str, missing))} of {count} (0 to {count - 1}) is missing: "
                          "it has not started, or wrote to another folder")
    first = found[(0, count)][1]
    for (k, _), (d, data) in sorted(found.items()):
        if data["seed"] != first["seed"] or data["submissions"] != first["submissions"]:
            raise SourceError(f"part {k} in {d} graded another class or seed than part 0; grade every part "
                              "from the same source with the same --seed")
    for (k, _), (_folder, data) in sorted(found.items()):
        if not data.get("complete"):
            print(messages.say("merge_unfinished", part=k, parts=count), file=sys.stderr)
    out_dir = Path(out_dir)
    results_dir = out_dir / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    lock = _hold(out_dir)
    try:
        conf = begin(None, results_dir)
        run_seed(out_dir, first["seed"])
        subs = [Submission(s["name"], None, s["status"], s["detail"], s["submitters"], s["created_at"])
                for s in first["submissions"]]
        for sub in subs:
            if sub.status not in GRADED_STATUSES:
                continue
            source = found[(shard_of(sub.name, count), count)][0] / "results" / f"{sub.name}.json"
            target = results_dir / f"{sub.name}.json"
            if source.resolve() == target.resolve():
                continue
            if source.is_file():
                replace_file(target, source.read_bytes())
            elif target.exists():   # not graded in its part: no older grade stands in for it
                target.unlink()
        changed = [c for _, (_, data) in sorted(found.items()) for c in data.get("changes", [])]
        return subs, write_reports(subs, out_dir, conf["language"], changed)
    finally:
        for fd in lock:
            os.close(fd)
