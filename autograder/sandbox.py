"""The trusted side of the sandbox: start a worker, call into it, stop it.

Student code never runs in this process. `start_worker` launches a fresh interpreter
(never a fork of this one) that runs worker/main.py: as an unprivileged user with no
supplementary groups when we are root, with rlimits, a scrubbed environment and a private
scratch folder. `Worker.call` sends one request through wire.py and waits for the reply
with a deadline, reading whatever the student prints on the side. `Runner` keeps one
worker alive for a grading session and replaces it after a failure.

This module imports nothing heavy, so a worker can be started before torch is loaded.
"""
import errno
import os
import pwd
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .messages import say
from .worker import wire

WORKER_MAIN = Path(__file__).resolve().parent / "worker" / "main.py"


@dataclass
class Limits:
    """What one worker may use. Times in seconds, sizes in bytes."""

    call_seconds: float = 10.0       # wall clock for one call into mlp.py
    start_seconds: float = 60.0      # wall clock to start Python, import torch and mlp.py
    cpu_seconds: int = 600           # CPU time over the worker's whole life
    memory_bytes: int = 3 << 30      # address space; not applied when a GPU may be used
    processes: int = 128             # processes and threads of the worker user
    file_bytes: int = 16 << 20       # largest file the worker may write
    output_chars: int = 2000         # student output kept per call
    user: str = "mlpworker"          # unprivileged account (falls back to nobody)


class InstallationError(Exception):
    """The worker could not start: Python, torch or the grader's files are out of the
    worker account's reach. Never the student's fault. `str(self)` is for the instructor."""


class StudentCodeError(Exception):
    """The student's code failed. `str(self)` is written for the student."""

    def __init__(self, message, output="", worker_lost=False, autograd=None):
        super().__init__(message)
        self.output = output
        self.worker_lost = worker_lost
        self.autograd = autograd   # the autograd entry point the call used, if any


@dataclass
class Reply:
    value: object          # decoded by wire.decode: plain tensors, numbers, dicts, Foreign
    output: str            # what the student printed during the call (truncated)
    autograd: str | None   # which autograd entry point backward used, if any


def _account(name):
    """(uid, gid) to run the worker as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    for candidate in (name, "nobody"):
        try:
            entry = pwd.getpwnam(candidate)
        except KeyError:
            continue
        if entry.pw_uid != 0:
            return entry.pw_uid, entry.pw_gid
    raise RuntimeError(f"no unprivileged account to run student code: create user {name!r}")


def lock_down(*paths):
    """As root, make paths unreadable to the worker user (owner-only access)."""
    if os.geteuid() != 0:
        return
    for p in paths:
        if p and os.path.exists(p):
            os.chmod(p, 0o700)


def kill_user_processes(uid):
    """SIGKILL every live process owned by uid, sweeping until none is left (forks included)."""
    for _ in range(50):
        _reap_orphans()
        found = False
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                if os.stat(f"/proc/{pid}").st_uid != uid:
                    continue
                with open(f"/proc/{pid}/stat", "rb") as f:
                    if f.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                        continue   # already dead; reaped above once it is our orphan
                os.kill(int(pid), signal.SIGKILL)
                found = True
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
        if not found:
            return
        time.sleep(0.02)


def closed_to_others(path):
    """The first folder on the way to path that other users cannot enter, or path itself
    if they cannot read it; None when the way is open."""
    path = os.path.abspath(path)
    parts = path.split(os.sep)
    for i in range(2, len(parts) + 1):
        here = os.sep.join(parts[:i])
        try:
            mode = os.stat(here).st_mode
        except OSError:
            return here
        last = i == len(parts)
        needed = 0o004 if last and not os.path.isdir(here) else 0o005
        if mode & needed != needed:
            return here
    return None


def _torch_folder():
    """Where torch lives, found without importing it."""
    import importlib.util

    spec = importlib.util.find_spec("torch")
    return os.path.dirname(spec.origin) if spec and spec.origin else sys.prefix


def _become_subreaper():
    """Orphans of the worker (double forks, setsid) get re-parented to this process instead
    of init, so that we can reap them: init in a container often never does, and
    zombies would count against the worker user's process limit."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)   # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _reap_orphans():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _decode_exit(returncode, limits):
    """Why the worker process ended, in the student's language."""
    if returncode is None:
        return say("exit_unresponsive")
    if returncode >= 0:
        return say("exit_status", code=returncode)
    sig = -returncode
    reasons = {
        signal.SIGSEGV: say("exit_segfault"),
        signal.SIGBUS: say("exit_segfault"),
        signal.SIGXCPU: say("exit_cpu", seconds=limits.cpu_seconds),
        signal.SIGXFSZ: say("exit_file", mb=limits.file_bytes >> 20),
        signal.SIGKILL: say("exit_killed"),
    }
    return reasons.get(sig, say("exit_signal", name=signal.Signals(sig).name))


class Worker:
    """One sandboxed interpreter with the student's mlp.py imported."""

    def __init__(self, submission, limits, gpu_possible=False):
        self.limits = limits
        self.account = _account(limits.user)
        _become_subreaper()
        self.scratch = tempfile.mkdtemp(prefix="mlp-worker-")
        target = os.path.join(self.scratch, "mlp.py")
        shutil.copyfile(submission, target)
        if self.account:
            for p in (self.scratch, target):
                os.chown(p, *self.account)
        os.chmod(self.scratch, 0o700)

        request_r, self._request_w = os.pipe()
        self._reply_r, reply_w = os.pipe()
        self._output_r, output_w = os.pipe()
        env = {"PATH": "/usr/bin:/bin", "HOME": self.scratch, "TMPDIR": self.scratch,
               "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}
        env.update({k: v for k, v in os.environ.items() if k.startswith(("CUDA_", "NVIDIA_"))})
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", str(WORKER_MAIN), str(request_r), str(reply_w), target],
                stdin=subprocess.DEVNULL, stdout=output_w, stderr=output_w,
                pass_fds=(request_r, reply_w), cwd=self.scratch, env=env,
                start_new_session=True,
                user=self.account[0] if self.account else None,
                group=self.account[1] if self.account else None,
                extra_groups=[] if self.account else None,
                preexec_fn=self._limit(gpu_possible),
            )
        except OSError as exc:   # for example: the interpreter is out of the account's reach
            for fd in (request_r, reply_w, output_w, self._request_w, self._reply_r, self._output_r):
                os.close(fd)
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise InstallationError(self._explain(f"{type(exc).__name__}: {exc}")) from None
        for fd in (request_r, reply_w, output_w):
            os.close(fd)
        os.set_blocking(self._output_r, False)
        self._reader = wire.Reader()
        self._started = False
        self._early_output = ""
        self._hello = None
        self.exit_code = None
        self.missing = []

    def _explain(self, what):
        """For the instructor: what went wrong before mlp.py was imported, and the fix."""
        who = f"user {pwd.getpwuid(self.account[0]).pw_name!r}" if self.account else "the current user"
        text = f"The autograder could not start its worker (running as {who}): {what.strip()}"
        closed = [c for c in map(closed_to_others, (sys.executable, WORKER_MAIN, _torch_folder())) if c]
        if self.account and closed:
            text += (f"\nThe worker account cannot reach {closed[0]}. Fix: keep the autograder and its "
                     f"Python environment under folders every user can enter and read (for example "
                     f"/opt or /autograder), or run: chmod o+rx {closed[0]}")
        return text

    def _limit(self, gpu_possible):
        limits, separate_user = self.limits, self.account is not None

        def apply():  # runs in the child after it dropped privileges, before exec
            resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
            resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
            if not gpu_possible:  # CUDA reserves huge address ranges
                resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
            if separate_user:  # NPROC counts every process of the user
                resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))

        return apply

    # -- talking ---------------------------------------------------------------
    def scrub(self, text):
        """What the student's code printed or raised, with the scratch folder's paths
        shown as the student knows them: mlp.py, not /tmp/mlp-worker-.../mlp.py."""
        return text.replace(self.scratch + os.sep, "").replace(self.scratch, ".")

    def _receive(self, timeout, what):
        """Wait for one message; return (header, tensors, output)."""
        deadline = time.monotonic() + timeout
        output, dropped = bytearray(), 0
        keep = self.limits.output_chars * 4

        def drain():
            nonlocal dropped
            while True:
                try:
                    chunk = os.read(self._output_r, 1 << 16)
                except BlockingIOError:
                    return
                if not chunk:
                    return
                room = max(0, keep - len(output))
                output.extend(chunk[:room])
                dropped += len(chunk) - min(room, len(chunk))

        def text():
            s = self.scrub(output.decode("utf-8", "replace"))
            if len(s) > self.limits.output_chars or dropped:
                s = s[: self.limits.output_chars] + "\n... " + say("truncated")
            return s

        while True:
            try:
                message = self._reader.message()
            except wire.WireError as exc:
                self.close()
                raise StudentCodeError(say("unreadable_reply", error=exc), text(), True)
            if message is not None:
                drain()
                return message[0], message[1], text()
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                raise StudentCodeError(say("call_timeout", what=what, seconds=f"{timeout:g}"), text(), True)
            ready, _, _ = select.select([self._reply_r, self._output_r], [], [], left)
            if self._output_r in ready:
                drain()
            if self._reply_r in ready:
                chunk = os.read(self._reply_r, 1 << 20)
                if not chunk:
                    drain()
                    try:
                        code = self.proc.wait(timeout=2)
                    except subprocess.TimeoutExpired:
                        code = None
                    self.exit_code = code
                    self.close()
                    raise StudentCodeError(say("worker_died", what=what, why=_decode_exit(code, self.limits)),
                                           text(), True)
                self._reader.feed(chunk)

    def started(self):
        """Wait until the worker is ready to import mlp.py (Python and torch work); raises
        InstallationError if it is not. Nothing of the student's has run yet."""
        if self._started:
            return
        try:
            header, _, output = self._receive(self.limits.start_seconds, "starting the worker")
        except StudentCodeError as exc:
            if self.exit_code is not None:
                what = f"it ended with exit status {self.exit_code} before it was ready"
            else:
                what = "it did not become ready"
            raise InstallationError(self._explain(f"{what}.\n{exc.output}")) from None
        if not header.get("ready"):
            self.close()
            raise InstallationError(self._explain(f"unexpected first message {header!r}\n{output}"))
        self._started = True
        self._early_output = output   # the import of mlp.py may already have printed

    def ready(self):
        """Wait until mlp.py is imported. Returns what the import printed (once; "" after
        that); raises StudentCodeError if the import failed."""
        self.started()
        if self._hello is None:
            header, _, output = self._receive(self.limits.start_seconds, say("importing"))
            self._hello = header, self._early_output + output
            self.missing = header.get("missing", [])
        header, output = self._hello
        self._hello = header, ""
        if not header.get("ok"):
            raise StudentCodeError(say("import_failed", error=self.scrub(header.get("error", ""))), output)
        return output

    def call(self, fn, *args, device="cpu", timeout=None, **kwargs):
        """Call mlp.<fn>(*args, **kwargs) in the worker. Returns a Reply."""
        self.ready()
        if fn in self.missing:
            raise StudentCodeError(say("missing_functions", names=fn))
        tree, tensors = wire.encode({"args": list(args), "kwargs": kwargs})
        try:
            wire.write_all(self._request_w, wire.pack({"fn": fn, "call": tree, "device": device}, tensors))
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
        header, tensors, output = self._receive(timeout or self.limits.call_seconds, fn)
        if not header.get("ok"):
            raise StudentCodeError(say("raised", fn=fn, error=self.scrub(header.get("error", ""))), output,
                                   autograd=header.get("autograd"))
        return Reply(wire.decode(header["value"], tensors), output, header.get("autograd"))

    def close(self):
        """Kill the worker and everything it started; remove its scratch folder."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.account:
            kill_user_processes(self.account[0])
        self.proc.wait()
        self.proc = None
        _reap_orphans()
        for fd in (self._request_w, self._reply_r, self._output_r):
            os.close(fd)
        shutil.rmtree(self.scratch, ignore_errors=True)


def start_worker(submission, limits, gpu_possible=False):
    """Start a worker for submission (a path to mlp.py). Returns at once; the import
    finishes in the background. The single place a pre-warmed pool would plug in."""
    return Worker(submission, limits, gpu_possible)


class Runner:
    """One grading session's access to student code: a live worker, replaced after a
    failure, so a crash or a timeout costs only the test that caused it."""

    def __init__(self, submission, limits, gpu_possible=False, worker=None, failure=None):
        """failure: a StudentCodeError every call raises (for example: no mlp.py found)."""
        self.submission, self.limits, self.gpu_possible = submission, limits, gpu_possible
        self.worker = worker
        self.output = []       # what the student printed since the last take_output()
        self._import_error = failure

    def _live(self):
        if self._import_error:
            raise self._import_error
        if self.worker is None or self.worker.proc is None:
            try:
                self.worker = start_worker(self.submission, self.limits, self.gpu_possible)
            except InstallationError as exc:
                self._import_error = exc   # starting again would fail again
                raise
        try:
            self.output.append(self.worker.ready())
        except InstallationError as exc:
            self._import_error = exc
            raise
        except StudentCodeError as exc:
            self._import_error = StudentCodeError(str(exc))  # importing again would fail again
            self.output.append(exc.output)
            raise
        return self.worker

    def missing_functions(self):
        """Import mlp.py (if not yet) and return the names of the functions it lacks."""
        return self._live().missing

    def call(self, fn, *args, **kwargs):
        worker = self._live()
        try:
            reply = worker.call(fn, *args, **kwargs)
        except StudentCodeError as exc:
            self.output.append(exc.output)
            if exc.worker_lost:
                self.worker = None
            raise
        self.output.append(reply.output)
        return reply

    def take_output(self):
        text = "".join(o for o in self.output if o)
        self.output = []
        return text

    def close(self):
        if self.worker is not None:
            self.worker.close()
            self.worker = None
