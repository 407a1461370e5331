"""Grade one submission: find mlp.py, start its worker, run the grading tests with
pytest, write results.json and print a table.

The worker is started before torch or pytest is imported here, so the two interpreters
load torch at the same time.
"""
import os
import secrets
import sys
from pathlib import Path

from . import config as settings
from .sandbox import Runner, StudentCodeError, lock_down, start_worker

HERE = Path(__file__).resolve().parent
NOT_FOUND = {
    "en": "No mlp.py was found in your submission. Submit one file named mlp.py.",
    "zh": "提交内容中没有找到 mlp.py。请提交一个名为 mlp.py 的文件。",
}
SEVERAL = {
    "en": "Your submission holds several files named mlp.py ({paths}); submit exactly one.",
    "zh": "提交内容中有多个 mlp.py（{paths}）；请只提交一个。",
}


def find_submission(path):
    """(path to mlp.py, None) or (None, (reason, fields)). A file named on the command
    line is graded whatever its name; a folder must hold exactly one mlp.py."""
    path = Path(path)
    if path.is_file():
        return path, None
    found = sorted(p for p in path.rglob("mlp.py") if p.is_file() and "__MACOSX" not in p.parts)
    if not found:
        return None, ("not_found", {})
    if len(found) > 1:
        return None, ("several", {"paths": ", ".join(str(p.relative_to(path)) for p in found)})
    return found[0], None


class GradingSession:
    """Handed to pytest as the plugin "grading-session"."""

    def __init__(self, runner, seed, reference, language):
        self.runner, self.seed, self.reference, self.language = runner, seed, reference, language


def grade(submission, out, seed=None, reference=settings.REFERENCE, protect=()):
    """Run a whole grading session; results.json is always written. Returns its dict."""
    conf = settings.load()
    mlp, problem = find_submission(submission)
    gpu_possible = os.path.exists("/dev/nvidiactl")
    lock_down(reference.parent, *protect)
    worker = start_worker(mlp, conf["limits"], gpu_possible) if mlp else None
    runner = Runner(mlp, conf["limits"], gpu_possible, worker)
    if problem:
        key, fields = problem
        text = (NOT_FOUND if key == "not_found" else SEVERAL)[conf["language"]].format(**fields)
        runner._import_error = StudentCodeError(text)

    import json

    import pytest

    from . import messages, results

    messages.set_language(conf["language"])
    seed = int(seed) if seed is not None else secrets.randbelow(2**31)
    out = os.path.abspath(out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    if os.path.lexists(out):
        os.unlink(out)   # never leave a stale (or forged) file behind
    session = GradingSession(runner, seed, reference, conf["language"])
    try:
        pytest.main([str(HERE / "tests"), "-c", str(HERE / "tests" / "pytest.ini"), "--rootdir", str(HERE),
                     "-qq", "--tb=no", "-rN", "--no-header", "-p", "no:randomly", "--results-json", out,
                     "--default-visibility", conf["default_visibility"]],
                    plugins=[results, _Named(session)])
    finally:
        runner.close()
    if not os.path.exists(out):  # pytest itself failed: still give Gradescope an answer
        results.write_json(out, {"score": 0, "output": messages.say("internal_error"), "tests": []})
    with open(out, encoding="utf-8") as f:
        return json.load(f)


class _Named:
    """Registers the session under a fixed name so conftest.py can find it."""

    def __init__(self, session):
        self.session = session

    def pytest_configure(self, config):
        from . import messages, results

        config.pluginmanager.register(self.session, "grading-session")
        results.add_output(config, messages.say("seed", seed=self.session.seed))
        results.add_extra(config, seed=self.session.seed, language=self.session.language)


def print_table(data, stream=sys.stdout):
    rows = [(t.get("number", ""), t["name"], f'{t["score"]:g}/{t["max_score"]:g}',
             "ok" if t.get("status") == "passed" else "FAIL") for t in data["tests"]]
    width = max([len(r[1]) for r in rows] + [10])
    print(f'\n{"":4} {"test":{width}}  {"points":>7}', file=stream)
    for number, name, points, status in rows:
        print(f"{number:4} {name:{width}}  {points:>7}  {status}", file=stream)
    total = sum(t["max_score"] for t in data["tests"])
    print(f'{"":4} {"total":{width}}  {data["score"]:g}/{total:g}', file=stream)
