"""Grade one submission: find the file to grade, start its worker, run the grading tests with
pytest, write results.json and print a table.

The worker pool (the zygote) is started before torch or pytest is imported here, so the
two interpreters load torch at the same time. A grade is one GradeRequest; grade_one is
the part a batch repeats (in one pytest session: session_loop.py).
"""
from __future__ import annotations

import contextlib
import io
import os
import secrets
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .. import config as settings
from ..assignment import REFERENCE, ROOT, current
from ..common import messages
from ..sandbox import nofollow
from ..sandbox.accounts import lock_down, take_account
from ..sandbox.errors import InstallationError, StudentCodeError
from ..sandbox.handle import Runner, Worker, WorkerSpec
from ..sandbox.pool import Zygote

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..sandbox.accounts import Account
    from ..sandbox.pool import ZygoteClient

HERE = Path(__file__).resolve().parent
# pytest plugins a grading run does without: they cost time on every submission (the
# unraisable-exception check alone runs five full garbage collections per session).
QUIET = [arg for name in ("unraisableexception", "threadexception", "logging", "faulthandler", "doctest",
                          "pastebin", "legacypath", "tmpdir", "monkeypatch", "recwarn", "setuponly", "setupplan",
                          "stepwise", "unittest", "warnings", "debugging", "subtests")
         for arg in ("-p", f"no:{name}")]
# Of limits.total_seconds, what is kept after the last test for stopping the worker and
# writing results.json; past the budget itself a watchdog writes it whatever happens.
FINISH_SECONDS = 10
# How long before the budget's end the watchdog writes results.json, if nothing else has.
WATCHDOG_MARGIN_SECONDS = 2


def process_start() -> float:
    """time.monotonic() when this process started: run_autograder execs into it, so the
    time budget counts from Gradescope's start, interpreter start-up included."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            ticks = int(f.read().rsplit(")", 1)[1].split()[19])   # field 22: starttime
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        return time.monotonic() - max(0.0, uptime - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.monotonic()


def find_submission(path: Path | str) -> tuple[Path, None] | tuple[None, tuple[str, dict[str, str]]]:
    """(path to the file to grade, None) or (None, (reason, fields)). A file named on the command
    line is graded whatever its name; a folder must hold exactly one file of the assignment's name. No link
    inside the submission is followed (sandbox/nofollow.py): a submitted file that is a link, or
    one reached only through a linked folder, is the student's error. The path returned
    has no link in it, so nofollow.open_file opens it."""
    path = Path(path)
    if path.is_symlink():
        return None, ("file_link", {"path": path.name})
    if not path.is_dir():
        if path.is_file():
            return path.parent.resolve() / path.name, None
        return None, ("no_file", {})
    root = path.resolve()
    files, file_links, folder_links = nofollow.walk(root)
    found = sorted(p for p in files + file_links if p.name == current().file and "__MACOSX" not in p.parts)
    if len(found) > 1:
        return None, ("several_files", {"paths": ", ".join(str(p) for p in found)})
    if found and found[0] in file_links:
        return None, ("file_link", {"path": str(found[0])})
    if found:
        return root / found[0], None
    links = sorted(p for p in folder_links + file_links if "__MACOSX" not in p.parts)
    if links:   # the file may be behind one: say so, rather than that there is none
        return None, ("link_no_file", {"path": str(links[0])})
    return None, ("no_file", {})


def begin(reference: Path | None, *protect: Path | str) -> settings.Settings:
    """What a command that grades does first, once: read the settings (returned), speak
    their language with the assignment's texts, and close the references (every assignment's), the git history that
    also holds them, and the folders in protect (results) to the worker accounts."""
    conf = settings.load()
    messages.set_language(conf["language"])
    current().use_texts()
    reference = reference or current().reference
    # reference/ whole, not only the graded assignment's folder: a checkout may hold the
    # solutions of tasks still to come. A mutant's folder (the audit's) is closed too.
    lock_down(reference.parent, REFERENCE, ROOT / ".git", *protect)
    return conf


@dataclass(frozen=True)
class GradeRequest:
    """One grade, as asked: built once (by grade(), or by a batch job for each submission)
    and read by every step after it. client and account: the zygote's client and the
    worker account (None when they could not be had: broken says why, and the grade is
    the grader's failure). extra: more fields for results.json's extra_data (a batch's
    fingerprint). started: time.monotonic() from which limits.total_seconds counts (None:
    when the grade starts). name: the submission's name in a batch, for messages."""

    submission: Path | str
    out: str
    conf: settings.Settings
    reference: Path
    seed: int
    client: ZygoteClient | None = None
    account: Account | None = None
    broken: InstallationError | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    started: float | None = None
    name: str | None = None

    @classmethod
    def make(cls, submission: Path | str, out: Path | str, conf: settings.Settings, seed: int | None = None,
             reference: Path | None = None, **more: Any) -> GradeRequest:
        """A request with out made absolute, the assignment's reference by default and a
        random seed when none is given (results.json says which)."""
        return cls(submission, os.path.abspath(out), conf, reference or current().reference,
                   int(seed) if seed is not None else secrets.randbelow(2**31), **more)

    def extra_data(self) -> dict[str, Any]:
        """results.json's extra_data for a grade that ran no test (the grader failed)."""
        return {"seed": self.seed, "language": self.conf["language"], **self.extra}


@dataclass(frozen=True)
class Prepared:
    """What grade_one made ready before the tests run: how its workers start (spec: the
    file found, or None, with the reason there is none in problem), the worker already
    started, and the time budget, (deadline as time.monotonic(), total seconds)."""

    spec: WorkerSpec
    problem: tuple[str, dict[str, str]] | None
    worker: Worker | None
    budget: tuple[float, float]

    def runner(self) -> Runner:
        """The grading session's access to the student's code."""
        failure = StudentCodeError(messages.say(self.problem[0], **self.problem[1])) if self.problem else None
        return Runner(self.spec, self.worker, failure)


def grade(submission: Path | str, out: Path | str, seed: int | None = None, reference: Path | None = None,
          protect: Iterable[Path | str] = ()) -> dict[str, Any]:
    """Run one grading session; results.json is always written. Returns its dict.
    When the grader itself fails (its installation, or a bug), nothing is scored,
    extra_data.grader_error says why, and the cause is printed on stderr."""
    conf = begin(reference, *protect)
    started = process_start()
    request = GradeRequest.make(submission, out, conf, seed, reference, started=started)
    zygote, account, broken = None, None, None
    watchdog = _watchdog(request, started + conf["limits"].total_seconds - WATCHDOG_MARGIN_SECONDS)
    try:
        zygote = Zygote.start()   # imports torch while this process does
        account = take_account(conf["limits"])
    except InstallationError as exc:
        broken = exc
    try:
        return grade_safely(replace(request, client=zygote and zygote.client(), account=account, broken=broken))
    finally:
        watchdog.cancel()
        if zygote:
            zygote.stop()
        if account:
            os.close(account.lock)


def _watchdog(request: GradeRequest, when: float) -> threading.Timer:
    """Past the budget, whatever the grader is doing (a bug of ours that hangs), write a
    results.json that says the grader failed, and end the process: Gradescope must have
    an answer before its own timeout, when it would show the student nothing at all."""
    def too_late() -> None:
        from . import results

        if not os.path.exists(request.out):   # grade_one removes any old one before it starts
            seconds = request.conf["limits"].total_seconds
            results.write_json(request.out, results.failed_results(
                [messages.say("grader_out_of_time", request.conf["language"], seconds=seconds)],
                {"seed": request.seed, "language": request.conf["language"]}))
        print("autograder error: the grader did not finish within its time budget", file=sys.stderr, flush=True)
        os._exit(2)

    timer = threading.Timer(max(0.0, when - time.monotonic()), too_late)
    timer.daemon = True
    timer.start()
    return timer


def grade_safely(request: GradeRequest, session: Any = None) -> dict[str, Any]:
    """grade_one, and results.json whatever happens: any failure of the grader itself (a
    bug of ours, an OSError preparing the worker's folder) withholds this grade (nothing
    scored, extra_data.grader_error holds the traceback, also printed on stderr). Both
    `grade` and a batch's jobs (classroom/batch.py) grade through it. session: the pytest
    session to run the tests in (a batch job's session_loop.SessionLoop), or None for a
    session of its own."""
    try:
        return grade_one(request, session)
    except Exception:   # a bug of ours: this grade is withheld, never the student's fault
        from . import results

        error = messages.say("grader_failed_while", request.conf["language"], name=request.name or request.submission,
                             error=traceback.format_exc())
        print(f"autograder error: {error}", file=sys.stderr, flush=True)
        data = results.failed_results([error], request.extra_data())
        results.write_json(request.out, data)
        return data


def grade_one(request: GradeRequest, session: Any = None) -> dict[str, Any]:
    """Grade one submission with a worker from request.client running as request.account;
    write results.json to request.out and return its dict. Used alone and in batches.
    session: a running pytest session to grade in (session_loop.SessionLoop), or None: one
    of its own."""
    total = request.conf["limits"].total_seconds
    deadline = (request.started or time.monotonic()) + total - FINISH_SECONDS
    source, problem = find_submission(request.submission)
    gpu_possible = os.path.exists("/dev/nvidiactl")
    os.makedirs(os.path.dirname(request.out), exist_ok=True)
    if os.path.lexists(request.out):
        os.unlink(request.out)   # never leave a stale (or forged) file behind
    spec = WorkerSpec(source, request.conf["limits"], request.client, request.account, gpu_possible, deadline)
    worker, broken = None, request.broken
    if not broken:
        try:
            import torch  # noqa: F401  (loads while the zygote loads its own)
            if source and request.client is not None and not request.client.is_warm():
                _load_pytest()   # while the zygote finishes loading torch
            worker = Worker(spec) if source else None
            _load_pytest()   # while the worker starts
            if worker:
                worker.started()
        except InstallationError as exc:
            broken = exc
        except StudentCodeError:
            # Out of the grade's time before the worker was ready: it says so before it
            # imports the student's file (worker/serve.py), so only the grader had run (its own start-up,
            # torch's import). The grader's failure, never the student's.
            broken = InstallationError(messages.say("grader_not_ready", request.conf["language"], seconds=total))
    from . import results

    if broken:
        data = results.failed_results([str(broken)], request.extra_data())
        results.write_json(request.out, data)
    else:
        data = run_tests(request, Prepared(spec, problem, worker, (deadline, total)), session)
    if data["extra_data"].get("grader_error"):
        print(f'autograder error: {data["extra_data"]["grader_error"]}', file=sys.stderr)
    return data


def _load_pytest():
    """Import pytest and the results plugin (the first time: about 0.2 s)."""
    import pytest  # noqa: F401

    from . import results  # noqa: F401


def pytest_args(conf: settings.Settings, *more: str) -> list[str]:
    """The command line of a grading run: the assignment's tests, with the engine's fixtures
    (fixtures.py), node ids from its folder."""
    task = current()
    return [str(task.tests), "-c", str(HERE / "pytest.ini"), "--rootdir", str(task.folder),
            "-p", "autograder.grading.fixtures",
            "-o", f"timeout={conf['test_seconds']}",
            "-qq", "--tb=no", "-rN", "--no-header", *more, *QUIET, "--default-visibility", conf["default_visibility"]]


def run_tests(request: GradeRequest, prepared: Prepared, session: Any = None) -> dict[str, Any]:
    """Run the grading tests on the prepared worker and write results.json: in session (a
    batch job's session_loop.SessionLoop) when there is one, else in a pytest session of
    its own. Returns results.json's dict."""
    if session is not None:
        return session.run_tests(request, prepared)
    import json

    import pytest

    from . import results
    from .fixtures import GradingSession

    runner = prepared.runner()
    plugin = GradingSession(runner, request.seed, request.reference, request.conf["language"], request.extra,
                            prepared.budget)
    try:
        # pytest's own progress report is noise here: the verdicts are in results.json,
        # and a grader error is printed on stderr by grade_one.
        with contextlib.redirect_stdout(io.StringIO()):
            pytest.main(pytest_args(request.conf, "--results-json", request.out), plugins=[results, plugin])
    finally:
        runner.close()
    if not os.path.exists(request.out):  # pytest itself failed: still give Gradescope an answer
        results.write_json(request.out, results.failed_results([messages.say("grader_no_results",
                                                                             request.conf["language"])],
                                                               {"seed": request.seed, **request.extra}))
    with open(request.out, encoding="utf-8") as f:
        return json.load(f)


def _columns(text):
    """Terminal columns text takes: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text, width):
    return text + " " * max(0, width - _columns(text))


def print_table(data: dict[str, Any], stream: IO[str] = sys.stdout) -> None:
    if data.get("extra_data", {}).get("grader_error"):
        print("\nNOT GRADED: the autograder failed (the cause is on stderr); the student was told "
              "it is not their fault.", file=stream)
        return
    rows = [(t.get("number", ""), t["name"], f'{t["score"]:g}/{t["max_score"]:g}',
             "ok" if t.get("status") == "passed" else "FAIL") for t in data["tests"]]
    width = max([_columns(r[1]) for r in rows] + [10])
    print(f'\n{"":4} {_pad("test", width)}  {"points":>7}', file=stream)
    for number, name, points, status in rows:
        print(f"{number:4} {_pad(name, width)}  {points:>7}  {status}", file=stream)
    total = sum(t["max_score"] for t in data["tests"])
    print(f'{"":4} {_pad("total", width)}  {data["score"]:g}/{total:g}', file=stream)
