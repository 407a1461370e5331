"""pytest plugin that writes Gradescope's results.json.

Hooks only. Every collected test becomes one entry of "tests", whatever happened to it;
its points, number, tags and visibility come from the gradescope-utils decorators on the
test function. Anything but a pass scores 0, unless @partial_credit set a score.
A failure's message is the student-facing text of Mismatch or StudentCodeError. Any
other exception is the grader's failure (a bug, or an InstallationError): then no test is
scored at all; results.json says, in the student's language, that the autograder could
not run and that this is not their fault, and the details go under
`extra_data.grader_error` (grade.py also prints them on stderr, for the instructor).

Enable with `-p autograder.grading.results --results-json PATH` (grade.py passes it in).
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

from ..common import messages
from ..common.checks import Mismatch
from ..common.messages import fence
from ..sandbox.errors import InstallationError, StudentCodeError
from ..sandbox.worker.wire import safe_text

if TYPE_CHECKING:
    from pluggy import Result

STUDENT_ERRORS = (Mismatch, StudentCodeError)
KEY = pytest.StashKey[dict]()



def number_key(number: str | None) -> list[int]:
    """Sort key of a test's number ("3.10" after "3.9"): the order of results.json's tests
    and of the class report's columns. A test without a number comes last."""
    parts = str(number or "").split(".")
    if not all(p.isdigit() for p in parts):
        return [10**9]
    return [int(p) for p in parts]

def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gradescope results")
    group.addoption("--results-json", help="where to write results.json")
    group.addoption("--default-visibility", default="visible",
                    choices=["visible", "hidden", "after_due_date", "after_published"])


def pytest_configure(config: pytest.Config) -> None:
    _state(config)


def _state(config):
    return config.stash.setdefault(KEY, {"start": time.time(), "items": [], "outcomes": {},
                                         "grader_errors": [], "extra": {}, "output": [], "budget": None,
                                         "not_run": []})


def new_grade(config: pytest.Config) -> None:
    """A fresh state for the next submission graded in this session (one session grading
    many: grade.SessionLoop). The collected items, and the errors of collecting them, stay."""
    old = _state(config)
    kept = old.setdefault("collection_errors", list(old["grader_errors"]))
    del config.stash[KEY]
    state = _state(config)
    state["items"], state["collection_errors"], state["grader_errors"] = old["items"], kept, list(kept)


def add_output(config: pytest.Config, text: str) -> None:
    """Text for the top of results.json's "output" (for example the seed)."""
    _state(config)["output"].append(text)


def add_extra(config: pytest.Config, **data: Any) -> None:
    _state(config)["extra"].update(data)


def set_budget(config: pytest.Config, deadline: float, seconds: float) -> None:
    """The grade's time budget: no test starts after deadline (time.monotonic()); each
    scores 0, with a message that says the grading time ran out."""
    _state(config)["budget"] = (deadline, seconds)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    state = _state(item.config)
    if state["budget"] and time.monotonic() >= state["budget"][0]:
        seconds = f'{state["budget"][1]:g}'
        state["outcomes"][item.nodeid] = {"passed": False, "events": ["out_of_time"],
                                          "messages": [messages.say("out_of_time_test", seconds=seconds)]}
        state["not_run"].append(item.nodeid)
        return True   # not run at all
    return None


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    _state(config)["items"] = list(items)


@pytest.hookimpl(tryfirst=True, specname="pytest_runtest_makereport")
def student_failure_report(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport | None:
    """The report of a test that the student's code failed, without the traceback of the
    grader's frames that pytest would format for it (never shown: the message is all a
    student reads, and formatting it costs more than many a test takes)."""
    exc = call.excinfo.value if call.excinfo else None
    if not isinstance(exc, STUDENT_ERRORS):
        return None
    sections = [(f"Captured {key} {when}", content) for when, key, content in item._report_sections]
    return pytest.TestReport(item.nodeid, item.location, dict.fromkeys(item.keywords, 1), "failed", str(exc),
                             call.when, sections, call.duration, call.start, call.stop,
                             user_properties=item.user_properties)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]) -> Generator[None, Result[pytest.TestReport], None]:
    outcome = yield
    report = outcome.get_result()
    state = _state(item.config)["outcomes"].setdefault(item.nodeid, {"passed": True, "messages": [], "events": [],
                                                                     "hints": []})
    if report.passed:
        return
    state["passed"] = False
    if report.skipped:
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else ""
        state["messages"].append(messages.say("skipped", reason=reason))
        return
    exc = call.excinfo.value if call.excinfo else None
    if isinstance(exc, STUDENT_ERRORS):
        state["messages"].append(str(exc))
        state["hints"].extend(exc.hints)   # as data: printing a hint's sentence records nothing
        if getattr(exc, "kind", "raised") in ("timeout", "crash", "out_of_time"):
            state["events"].append(exc.kind)
    elif isinstance(exc, pytest.fail.Exception) and str(exc).startswith("Timeout"):
        state["messages"].append(messages.say("timeout", seconds=item.config.getini("timeout")))
        state["events"].append("timeout")
    elif isinstance(exc, InstallationError):
        grader_error(item.config, str(exc))
    else:
        grader_error(item.config, f"grader error in {item.nodeid} ({report.when}):\n{report.longreprtext}")


def grader_error(config: pytest.Config, text: str) -> None:
    """Record a failure of the grader itself: the whole grade is withheld (failed_results)."""
    errors = _state(config)["grader_errors"]
    if text not in errors:
        errors.append(text)


def failed_results(errors: list[str], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """results.json when the grader could not grade: nothing scored, the student told
    it is not their fault, the instructor given the details."""
    return {"score": 0.0, "output": messages.say("grader_failed"), "output_format": "md",
            "visibility": "visible", "stdout_visibility": "hidden",
            "extra_data": {**(extra or {}), "grader_error": "\n\n".join(errors)}, "tests": []}


_fence = fence


def _name(fn, fallback):
    """The test's name in the current language: the docstring's first line (English),
    or its "zh: ..." line."""
    lines = [line.strip() for line in (fn.__doc__ or "").strip().splitlines()]
    if not lines:
        return fallback
    translated = [line[3:].strip() for line in lines if line.startswith(messages.language() + ":")]
    return translated[0] if translated else lines[0]


def _entry(item, outcome, default_visibility):
    fn = item.obj
    weight = float(getattr(fn, "__weight__", 0.0))
    partial = getattr(fn, "__score__", None)
    if partial is not None:
        del fn.__score__  # parametrised tests share the function object
    passed = outcome["passed"]
    score = float(partial) if partial is not None else (weight if passed else 0.0)
    props = dict(item.user_properties)
    parts = list(outcome["messages"])
    if props.get("message"):
        parts.insert(0, props["message"])
    if props.get("student_output", "").strip():
        parts.append(messages.say("student_output") + "\n" + _fence(props["student_output"]))
    entry = {
        "name": _name(fn, item.name),
        "score": round(min(max(score, 0.0), weight), 4),
        "max_score": weight,
        "status": "passed" if passed else "failed",
        "output": "\n\n".join(parts),
        "output_format": "md",
        "visibility": getattr(fn, "__visibility__", default_visibility),
    }
    if hasattr(fn, "__number__"):
        entry["number"] = fn.__number__
    if getattr(fn, "__tags__", None):
        entry["tags"] = list(fn.__tags__)
    # For the instructor's class report: the device (set by the device fixture), the
    # classic mistakes recognised and what happened to the worker.
    extra = {"device": props.get("device"), "hints": list(outcome.get("hints", [])),
             "events": sorted(set(outcome.get("events", [])))}
    extra = {k: v for k, v in extra.items() if v}
    if extra:
        entry["extra_data"] = extra
    return entry


def _order(item):
    return number_key(getattr(item.obj, "__number__", ""))


def build_results(config: pytest.Config) -> dict[str, Any]:
    state = _state(config)
    default_visibility = config.getoption("default_visibility")
    tests = []
    for item in sorted(state["items"], key=_order):
        outcome = state["outcomes"].get(item.nodeid, {"passed": False, "messages": [messages.say("not_run")]})
        tests.append(_entry(item, outcome, default_visibility))
    if state["grader_errors"]:
        return failed_results(state["grader_errors"], state["extra"])
    output = list(state["output"])
    if state["not_run"]:
        names = [f'{getattr(i.obj, "__number__", "")} {_name(i.obj, i.name)}'.strip()
                 for i in sorted(state["items"], key=_order) if i.nodeid in state["not_run"]]
        output.insert(0, messages.say("out_of_time_summary", seconds=f'{state["budget"][1]:g}',
                                      tests="; ".join(names)))
    return {
        "score": round(sum(t["score"] for t in tests), 4),
        "execution_time": round(time.time() - state["start"], 2),
        "output": "\n\n".join(output),
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": state["extra"],
        "tests": tests,
    }


def write_json(path: str | os.PathLike[str], data: dict[str, Any]) -> None:
    """Replace path atomically (a link planted at path is replaced, never followed).
    A lone surrogate anywhere in data is written as U+FFFD; if writing fails, path is
    left as it was and no temporary file stays behind."""
    text = safe_text(json.dumps(data, ensure_ascii=False, indent=2))   # fails before any file exists
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".results-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int | pytest.ExitCode) -> None:
    config = session.config
    path = config.getoption("results_json")
    if path:
        write_json(path, build_results(config))


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Result[pytest.CollectReport], None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        grader_error(collector.config, f"grader error collecting {collector.nodeid}:\n{report.longreprtext}")
