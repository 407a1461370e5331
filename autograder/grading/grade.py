"""Grade one submission: find the file to grade, start its worker, run the grading tests with
pytest, write results.json and print a table.

The worker pool (the zygote) is started before torch or pytest is imported here, so the
two interpreters load torch at the same time. grade_one is the part a batch repeats.
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
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .. import config as settings
from ..assignment import REFERENCE, ROOT, current
from ..common import messages
from ..sandbox import nofollow
from ..sandbox.accounts import lock_down, take_account
from ..sandbox.errors import InstallationError, StudentCodeError
from ..sandbox.handle import Runner, Worker
from ..sandbox.pool import Zygote

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pytest

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


def number_key(number: str | None) -> list[int]:
    """Sort key of a test's number ("3.10" after "3.9"): the order of results.json's tests
    and of the class report's columns. A test without a number comes last."""
    parts = str(number or "").split(".")
    if not all(p.isdigit() for p in parts):
        return [10**9]
    return [int(p) for p in parts]


class GradingSession:
    """What the grading tests need from this run (see autograder/grading/fixtures.py):
    the runner holding the student's worker, the seed and the reference's path."""

    def __init__(self, runner: Runner, seed: int, reference: Path, language: str,
                 extra: dict[str, Any] | None = None, budget: tuple[float, float] | None = None) -> None:
        """budget: (deadline as time.monotonic(), total seconds) of the grade's time budget."""
        self.runner, self.seed, self.reference, self.language = runner, seed, reference, language
        self.extra = extra or {}
        self.budget = budget

    def pytest_configure(self, config: pytest.Config) -> None:
        from . import results

        results.add_output(config, messages.say("seed", seed=self.seed))
        results.add_extra(config, seed=self.seed, language=self.language, **self.extra)
        if self.budget:
            results.set_budget(config, *self.budget)


def begin(reference: Path | None, *protect: Path | str) -> settings.Settings:
    """What a command that grades does first, once: read the settings (returned), speak
    their language, and close the references (every assignment's), the git history that
    also holds them, and the folders in protect (results) to the worker accounts."""
    conf = settings.load()
    messages.set_language(conf["language"])
    reference = reference or current().reference
    # reference/ whole, not only the graded assignment's folder: a checkout may hold the
    # solutions of tasks still to come. A mutant's folder (the audit's) is closed too.
    lock_down(reference.parent, REFERENCE, ROOT / ".git", *protect)
    return conf


def grade(submission: Path | str, out: Path | str, seed: int | None = None, reference: Path | None = None,
          protect: Iterable[Path | str] = ()) -> dict[str, Any]:
    """Run one grading session; results.json is always written. Returns its dict.
    When the grader itself fails (its installation, or a bug), nothing is scored,
    extra_data.grader_error says why, and the cause is printed on stderr."""
    reference = reference or current().reference
    conf = begin(reference, *protect)
    zygote, account, broken = None, None, None
    started = process_start()
    watchdog = _watchdog(out, started + conf["limits"].total_seconds - 2, seed, conf)
    try:
        zygote = Zygote.start()   # imports torch while this process does
        account = take_account(conf["limits"])
    except InstallationError as exc:
        broken = exc
    try:
        return grade_safely(submission, out, seed, conf, zygote and zygote.client(), account, reference, broken,
                            started=started)
    finally:
        watchdog.cancel()
        if zygote:
            zygote.stop()
        if account:
            os.close(account.lock)


def _watchdog(out, when, seed, conf):
    """Past the budget, whatever the grader is doing (a bug of ours that hangs), write a
    results.json that says the grader failed, and end the process: Gradescope must have
    an answer before its own timeout, when it would show the student nothing at all."""
    def too_late() -> None:
        from . import results

        if not os.path.exists(out):   # grade_one removes any old one before it starts
            results.write_json(out, results.failed_results(
                [f"the grader did not finish within limits.total_seconds ({conf['limits'].total_seconds:g} s)"],
                {"seed": seed, "language": conf["language"]}))
        print("autograder error: the grader did not finish within its time budget", file=sys.stderr, flush=True)
        os._exit(2)

    timer = threading.Timer(max(0.0, when - time.monotonic()), too_late)
    timer.daemon = True
    timer.start()
    return timer


def grade_safely(submission: Path | str, out: Path | str, seed: int | None, conf: settings.Settings,
                 client: ZygoteClient | None, account: Account | None, reference: Path | None = None,
                 broken: InstallationError | None = None, extra: dict[str, Any] | None = None,
                 started: float | None = None, name: str | None = None,
                 tests: SessionLoop | None = None) -> dict[str, Any]:
    """grade_one, and results.json whatever happens: any failure of the grader itself (a
    bug of ours, an OSError preparing the worker's folder) withholds this grade (nothing
    scored, extra_data.grader_error holds the traceback, also printed on stderr). Both
    `grade` and a batch's jobs (classroom/batch.py) grade through it. name: the
    submission's name in a batch, for the message. tests: the pytest session to run the
    tests in (a batch job's), or None for a session of its own."""
    reference = reference or current().reference
    seed = int(seed) if seed is not None else secrets.randbelow(2**31)
    try:
        return grade_one(submission, out, seed, conf, client, account, reference, broken=broken, extra=extra,
                         started=started, tests=tests)
    except Exception:   # a bug of ours: this grade is withheld, never the student's fault
        from . import results

        error = f"the grader failed while grading {name or submission}:\n{traceback.format_exc()}"
        print(f"autograder error: {error}", file=sys.stderr, flush=True)
        data = results.failed_results([error], {"seed": seed, "language": conf["language"], **(extra or {})})
        results.write_json(out, data)
        return data


def grade_one(submission: Path | str, out: Path | str, seed: int | None, conf: settings.Settings,
              client: ZygoteClient | None, account: Account | None, reference: Path | None = None,
              broken: InstallationError | None = None, extra: dict[str, Any] | None = None,
              started: float | None = None, tests: SessionLoop | None = None) -> dict[str, Any]:
    """Grade one submission with a worker from client (a ZygoteClient) running as
    account; write results.json to out and return its dict. Used alone and in batches.
    extra: more fields for results.json's extra_data (a batch's fingerprint).
    started: time.monotonic() from which limits.total_seconds counts (default: now).
    tests: a running pytest session to grade in (SessionLoop), or None: one of its own."""
    reference = reference or current().reference
    total = conf["limits"].total_seconds
    deadline = (started or time.monotonic()) + total - FINISH_SECONDS
    source, problem = find_submission(submission)
    gpu_possible = os.path.exists("/dev/nvidiactl")
    seed = int(seed) if seed is not None else secrets.randbelow(2**31)
    out = os.path.abspath(out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    if os.path.lexists(out):
        os.unlink(out)   # never leave a stale (or forged) file behind
    worker = None
    if not broken:
        try:
            import torch  # noqa: F401  (loads while the zygote loads its own)
            if source and client is not None and not client.is_warm():
                _load_pytest()   # while the zygote finishes loading torch
            worker = Worker(source, conf["limits"], client, account, gpu_possible, deadline) if source else None
            _load_pytest()   # while the worker starts
            if worker:
                worker.started()
        except InstallationError as exc:
            broken = exc
        except StudentCodeError:
            # Out of the grade's time before the worker was ready: it says so before it
            # imports the student's file (worker/serve.py), so only the grader had run (its own start-up,
            # torch's import). The grader's failure, never the student's.
            broken = InstallationError(
                f"the worker was not ready to import the student's file before the grade's time budget ran out "
                f"(limits.total_seconds = {total:g} s): nothing of the student's had run yet; the grader's own "
                f"start-up took the time (a loaded or slow machine?)")
    from . import results

    if broken:
        data = results.failed_results([str(broken)], {"seed": seed, "language": conf["language"], **(extra or {})})
        results.write_json(out, data)
    else:
        run = tests.run_tests if tests else _run_tests
        data = run(worker, client, account, source, problem, conf, seed, reference, out, gpu_possible, extra,
                   (deadline, total))
    if data["extra_data"].get("grader_error"):
        print(f'autograder error: {data["extra_data"]["grader_error"]}', file=sys.stderr)
    return data


def _load_pytest():
    """Import pytest and the results plugin (the first time: about 0.2 s)."""
    import pytest  # noqa: F401

    from . import results  # noqa: F401


def _pytest_args(conf, *more):
    task = current()   # its tests, with the engine's fixtures (fixtures.py); node ids from its folder
    return [str(task.tests), "-c", str(HERE / "pytest.ini"), "--rootdir", str(task.folder),
            "-p", "autograder.grading.fixtures",
            "-o", f"timeout={conf['test_seconds']}",
            "-qq", "--tb=no", "-rN", "--no-header", *more, *QUIET, "--default-visibility", conf["default_visibility"]]


def _run_tests(worker, client, account, source, problem, conf, seed, reference, out, gpu_possible, extra, budget):
    import json

    import pytest

    from . import results

    failure = StudentCodeError(messages.say(problem[0], **problem[1])) if problem else None
    runner = Runner(source, conf["limits"], client, account, gpu_possible, worker, failure, deadline=budget[0])
    session = GradingSession(runner, seed, reference, conf["language"], extra, budget)
    try:
        # pytest's own progress report is noise here: the verdicts are in results.json,
        # and a grader error is printed on stderr by grade_one.
        with contextlib.redirect_stdout(io.StringIO()):
            pytest.main(_pytest_args(conf, "--results-json", out), plugins=[results, session])
    finally:
        runner.close()
    if not os.path.exists(out):  # pytest itself failed: still give Gradescope an answer
        results.write_json(out, results.failed_results(["pytest did not write results.json"],
                                                       {"seed": seed, **(extra or {})}))
    with open(out, encoding="utf-8") as f:
        return json.load(f)


class _Discard(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)


class SessionLoop:
    """One pytest session that grades submission after submission (a batch job): pytest's
    set-up and the collection of the tests are done once, not once per submission. Each
    submission still gets a worker of its own, fresh fixtures (every session-scoped one
    is torn down after it), fresh results state and its own results.json, the same as
    _run_tests writes.

    run(tasks, grade) starts the session and, inside its run loop, calls grade(task, self)
    for each task; grade passes self on to grade_safely(tests=...). run returns True once
    tasks is used up, False if the session broke off (a failure inside pytest itself,
    that grade_safely turned into a grader error for one submission): the caller starts
    another session for the rest, so no broken state is carried over."""

    def __init__(self, conf: settings.Settings, reference: Path) -> None:
        self.conf = conf
        self.plugin = GradingSession(None, 0, reference, conf["language"])   # filled in per submission
        self.session = None
        self.broken = False

    def run(self, tasks: Iterable[Any], grade: Any) -> bool:
        """False also when the session never reached its run loop (pytest failed to start):
        then nothing of tasks was taken."""
        import pytest

        from . import results

        loop, self.reached = self, False

        class RunLoop:
            @pytest.hookimpl(tryfirst=True)
            def pytest_runtestloop(self, session: pytest.Session) -> bool:
                loop.session, loop.reached = session, True
                try:
                    for task in tasks:
                        grade(task, loop)
                        if loop.broken:
                            return True
                except BaseException as exc:   # raised again once pytest has finished
                    loop.error = exc
                    return True
                loop.finished = True
                return True

        self.finished, self.error = False, None
        with contextlib.redirect_stdout(_Discard()):
            pytest.main(_pytest_args(self.conf), plugins=[results, self.plugin, RunLoop()])
        if self.error is not None:
            raise self.error
        return self.finished

    def run_tests(self, worker, client, account, source, problem, conf, seed, reference, out, gpu_possible, extra,
                  budget):
        """_run_tests, in this session."""
        from . import results

        failure = StudentCodeError(messages.say(problem[0], **problem[1])) if problem else None
        runner = Runner(source, conf["limits"], client, account, gpu_possible, worker, failure, deadline=budget[0])
        plugin, session = self.plugin, self.session
        plugin.runner, plugin.seed, plugin.reference, plugin.extra, plugin.budget = runner, seed, reference, \
            extra or {}, budget
        config = session.config
        try:
            results.new_grade(config)
            plugin.pytest_configure(config)
            items = session.items
            for item in items:   # what the last submission left on them
                item.user_properties, item._report_sections = [], []
            for i, item in enumerate(items):
                config.hook.pytest_runtest_protocol(item=item, nextitem=items[i + 1] if i + 1 < len(items) else None)
            session._setupstate.teardown_exact(None)   # an item not run (out of time) leaves fixtures up
            if session.shouldstop or session.shouldfail:
                raise RuntimeError(f"pytest stopped the session: {session.shouldstop or session.shouldfail}")
            data = results.build_results(config)
        except BaseException:
            self.broken = True
            raise
        finally:
            runner.close()
            reporter = config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None:
                reporter.stats.clear()   # it keeps every report: a large class would fill memory
        results.write_json(out, data)
        return data


def grade_in_sessions(tasks: Iterable[Any], grade: Any, conf: settings.Settings, reference: Path) -> None:
    """grade(task, tests) for every task, in as few pytest sessions as possible (one,
    unless a failure inside pytest breaks one off; SessionLoop). If pytest cannot even
    start a session, the tasks are graded with a session each (tests=None), as alone."""
    tasks = iter(tasks)
    while True:
        loop = SessionLoop(conf, reference)
        if loop.run(tasks, grade):
            return
        if not loop.reached:
            for task in tasks:
                grade(task, None)
            return


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
