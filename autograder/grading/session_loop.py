"""One pytest session that grades submission after submission (a batch job's): the loop
that drives pytest's own run loop, item by item, for each submission.

It reaches into pytest's internals: the session's `_setupstate` (to tear down what a
submission left set up) and each item's `_report_sections`. Checked against pytest 9.2.0
(requirements.txt's pin); tests/unit/test_session_loop.py shows a batch's results.json
equal to the grade alone's, so an upgrade of pytest that changes these fails there first.
"""
from __future__ import annotations

import contextlib
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .. import config as settings
from .grade import pytest_args

if TYPE_CHECKING:
    from pathlib import Path

    from .grade import GradeRequest, Prepared


class _Discard(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)


class SessionLoop:
    """One pytest session that grades submission after submission (a batch job): pytest's
    set-up and the collection of the tests are done once, not once per submission. Each
    submission still gets a worker of its own, fresh fixtures (every session-scoped one
    is torn down after it), fresh results state and its own results.json, the same as
    grade.run_tests writes alone.

    run(tasks, grade) starts the session and, inside its run loop, calls grade(task, self)
    for each task; grade passes self on to grade_safely(request, self). run returns True once
    tasks is used up, False if the session broke off (a failure inside pytest itself,
    that grade_safely turned into a grader error for one submission): the caller starts
    another session for the rest, so no broken state is carried over."""

    def __init__(self, conf: settings.Settings, reference: Path) -> None:
        self.conf = conf
        from .fixtures import GradingSession

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
            pytest.main(pytest_args(self.conf), plugins=[results, self.plugin, RunLoop()])
        if self.error is not None:
            raise self.error
        return self.finished

    def run_tests(self, request: GradeRequest, prepared: Prepared) -> dict[str, Any]:
        """grade.run_tests, in this session."""
        from . import results

        runner = prepared.runner()
        plugin, session = self.plugin, self.session
        plugin.runner, plugin.seed, plugin.reference, plugin.extra, plugin.budget = runner, request.seed, \
            request.reference, request.extra, prepared.budget
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
        results.write_json(request.out, data)
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
