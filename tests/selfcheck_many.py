"""Runs starter/selfcheck.py on many submissions (tests/conftest.py: selfcheck_runs), as a
student runs it (`python selfcheck.py --lang LANG --mlp PATH`, in FOLDER), each run in a
process of its own, at most JOBS at once. Reads the runs, [[LANG, PATH], ...], as JSON on
its stdin; prints [{"status", "stdout", "stderr", "seconds"}, ...], in the same order.

Each run is forked from this process once it has imported what every run imports first
(torch, the self-check's modules, matplotlib) and run the virtual GPU once (the
self-check's GPU step uses torch's fake tensors, whose first use imports a large part of
torch): the seconds of start-up that are the same for every run are spent once instead
of once per submission. A run then does what
the script does (runpy, as `python selfcheck.py`): the guard is made and installed, and
mlp.py imported, in the run's own process, and its exit status is the interpreter's.
What running the real script from a shell gives is tests/test_deploy.py's.

    python tests/selfcheck_many.py FOLDER JOBS TIMEOUT < runs.json
"""
import json
import os
import sys
import tempfile
import time
from pathlib import Path

# One thread: the runs share the machine's cores (and a fork is safe only before torch's
# thread pool starts).
os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"
ROOT = Path(__file__).resolve().parent.parent
SEARCH_PATH = sys.path[1:]   # without this file's folder: a run's is the self-check's own
from autograder.assignment import load  # noqa: E402

TASK1 = load("task1")
SELFCHECK = TASK1.starter / "selfcheck.py"
# as selfcheck.py does in the repository: Task 1's folder, then the engine's common/
sys.path[:0] = [str(TASK1.folder), str(ROOT / "autograder" / "common")]

import checks  # noqa: E402,F401  (what selfcheck.py imports before it installs its guard)
import contract  # noqa: E402,F401
import devices  # noqa: E402
import guard  # noqa: E402,F401
import messages  # noqa: E402,F401
import task  # noqa: E402,F401
import texts  # noqa: E402,F401
import torch  # noqa: E402,F401

try:   # imported by selfcheck.py only to save the curve, after the checks
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
except ImportError:
    pass


def warm_up():
    """torch's lazy imports on the first use of fake tensors (seconds): as the grader's zygote."""
    devices.warm_up()


def start(lang, path, folder, logs):
    out, err = tempfile.mkstemp(dir=logs), tempfile.mkstemp(dir=logs)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid, out[1], err[1]
    # The run: from here on this process is `python selfcheck.py --lang LANG --mlp PATH`.
    os.setsid()   # killed with whatever it starts, if it runs too long
    devnull = os.open(os.devnull, os.O_RDONLY)
    for fd, target in ((devnull, 0), (out[0], 1), (err[0], 2)):
        os.dup2(fd, target)
    os.chdir(folder)
    sys.argv = [str(SELFCHECK), "--lang", lang, "--mlp", str(path)]
    sys.path[:] = [str(SELFCHECK.parent), *SEARCH_PATH]
    import atexit
    import runpy
    import threading
    import traceback

    try:
        runpy.run_path(str(SELFCHECK), run_name="__main__")
        status = 0
    except SystemExit as exc:   # sys.exit's argument, as the interpreter reads it
        if exc.code is None or isinstance(exc.code, int):
            status = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            status = 1
    except BaseException:
        traceback.print_exc()
        status = 1
    # The end of an interpreter's life, short of freeing every object of torch and the rest
    # one by one (seconds, in a forked process that then copies each page it touches):
    # the threads it waits for, the exit handlers, the files flushed.
    threading._shutdown()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def main():
    folder, jobs, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    runs = json.load(sys.stdin)
    warm_up()
    logs = tempfile.mkdtemp(prefix="selfcheck-logs-")
    queue, running, done = list(enumerate(runs)), {}, {}
    while queue or running:
        while queue and len(running) < jobs:
            i, (lang, path) = queue.pop(0)
            pid, out, err = start(lang, path, folder, logs)
            running[pid] = (i, out, err, time.monotonic())
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            for child, (_, _, _, began) in list(running.items()):
                if time.monotonic() - began > timeout:
                    os.killpg(child, 9)   # reaped, and reported as killed, by waitpid
            time.sleep(0.01)
            continue
        if pid not in running:
            continue
        i, out, err, began = running.pop(pid)
        stdout, stderr = (Path(f).read_text(errors="replace") for f in (out, err))
        done[i] = {"status": os.waitstatus_to_exitcode(status), "stdout": stdout, "stderr": stderr,
                   "seconds": round(time.monotonic() - began, 2)}
        for f in (out, err):
            os.unlink(f)
    os.rmdir(logs)
    json.dump([done[i] for i in range(len(runs))], sys.__stdout__)


if __name__ == "__main__":
    main()
