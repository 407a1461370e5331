"""The trusted side's handle on one worker, and a grading session's access to student code.

`Worker` is one sandboxed worker: forked by the pool (pool.py) as a worker account of its
own (accounts.py), it imports the student's file; `Worker.call` sends one request
through worker/wire.py and waits for the reply with a deadline, reading whatever the
student prints on the side. `Runner` keeps one worker alive for a grading session and
replaces it after a failure. Student code never runs in this process.

This module imports nothing heavy, so the zygote can start before torch is loaded here.
"""
from __future__ import annotations

import enum
import errno
import os
import select
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..assignment import REFERENCE, current
from ..common import devices
from ..common.messages import fence, say
from . import container, nofollow
from .accounts import (
    closed_to_others,
    device_files,
    kill_user_processes,
    readable_by_workers,
    remove_user_files,
    scrubbed_env,
    torch_folder,
)
from .disk import DiskBound
from .errors import InstallationError, StudentCodeError
from .limits import ADDRESS_SLACK, GRADER_RESERVE
from .worker import wire

if TYPE_CHECKING:
    from .accounts import Account
    from .limits import Limits
    from .pool import ZygoteClient

# The waits of a worker's life, in seconds: how long the zygote may take to tell how a
# worker that closed its reply pipe ended, and to reap one that was killed (how often the
# scratch folder is measured: disk.POLL_SECONDS).
EXIT_HEARD_SECONDS = 2
# A worker's priority below the grader's (nice 0): when both want a CPU, the grader, woken
# to measure what the worker wrote or to keep the grade's time, gets it first. Costs
# nothing otherwise: the grader waits while the worker runs.
WORKER_NICE = 10
REAPED_SECONDS = 5
# Bytes read from the reply pipe at once: what a pipe holds unless enlarged. os.read makes
# a buffer of the size asked for every time: 1 MiB took 25 µs a read, 64 KiB 1 µs.
PIPE_READ = 1 << 16
WORKER_MAIN = Path(__file__).resolve().parent / "worker" / "serve.py"
COMMON = Path(__file__).resolve().parent.parent / "common"   # guard and devices, which serve.py imports


@dataclass
class Reply:
    value: object          # decoded by wire.decode: plain tensors, numbers, dicts, Foreign
    output: str            # what the student printed during the call (truncated)
    autograd: str | None   # what the call used to differentiate (common/guard.py), if anything
    modified: list = ()    # the inputs the call changed in place (their contract names)
    report: dict | None = None   # for a device check: common/devices.py's report, checked


_WARNED = set()
try:   # see _warn_once
    _STDERR = os.dup(2)
except OSError:   # no stderr at all
    _STDERR = 2


def _same_cpus(pid: int) -> None:
    """Run the worker on the CPUs this grading process may use, where it is held to some
    (a batch job is held to one): the two hand every call back and forth, and a hand-over
    on one CPU is far cheaper than one that wakes another."""
    try:
        mine = os.sched_getaffinity(0)
        if len(mine) < (os.cpu_count() or 1):
            os.sched_setaffinity(pid, mine)
    except OSError:   # gone already, or not ours to set: it only costs speed
        pass


def _warn_worker_oom(mb: int) -> None:
    """For the instructor, once: a worker, not the grader, was killed for memory."""
    _warn_once(f"the kernel killed a worker (student code) for lack of memory ({mb} MB for the whole container); "
               "the grader was not killed and wrote results.json. Docker reports OOMKilled=true for the "
               "container whenever any process in it is killed so: that is this worker, and no reason to raise "
               "the container's memory")


def open_to_workers(paths: list[str]) -> list[str]:
    """The Landlock read rules of a worker: paths, less any in reference/ or above it (a
    rule opens everything beneath it, so one above reference/ would open every solution)."""
    def near(path: Path) -> bool:
        return REFERENCE.is_relative_to(path) or path.is_relative_to(REFERENCE)

    return [p for p in paths if not near(Path(p).resolve())]


def _warn_once(text):
    """A line for the instructor on stderr, once per process: on the stderr this process
    had when it imported this module, which pytest's capture of the grading tests (it
    redirects descriptor 2 while a test runs) does not swallow."""
    if text not in _WARNED:
        _WARNED.add(text)
        sys.stderr.flush()
        try:
            os.write(_STDERR, f"autograder: {text}\n".encode("utf-8", "replace"))
        except OSError:
            print(f"autograder: {text}", file=sys.stderr, flush=True)


def protections(header: dict[str, Any], limits: Limits) -> dict[str, bool]:
    """{name: held} for the worker that sent this ready message (worker/serve.py)."""
    isolated, confined = header.get("isolated") or [], header.get("confined") or []
    if not isinstance(isolated, list) or not isinstance(confined, list):
        isolated, confined = [], []
    return {"pid namespace": "pid" in isolated, "network namespace": "net" in isolated,
            "private tmpfs": "mount" in isolated, "private /proc": "proc" in isolated,
            "Landlock (files)": "files" in confined,
            "Landlock (TCP)": "tcp" in confined, "Landlock (abstract sockets, signals)": "abstract_unix" in confined,
            "no sockets (seccomp)": "sockets" in confined}


def _warn_protections(held):
    """Tell the instructor once what a worker lacks, and what that leaves open."""
    if not held["Landlock (files)"]:
        _warn_once("this kernel (or container) refuses Landlock: workers can read whatever their "
                   "account may, and write where it may (what it leaves in /tmp and /dev/shm is removed "
                   "after each worker); keep class folders closed to other users (chmod 700)")
    if all(held.values()):
        return
    open_ = []
    if not held["pid namespace"]:
        open_.append("processes a worker leaves behind are found and killed by account, one by one")
    if not held["network namespace"] and not held["no sockets (seccomp)"]:
        if not held["Landlock (TCP)"]:
            open_.append("workers can reach the network")
        else:
            open_.append("workers can send UDP" + ("" if held["Landlock (abstract sockets, signals)"]
                                                    else " and reach abstract unix sockets"))
    if not held["private /proc"]:
        open_.append("workers can list the machine's processes and read their command lines in /proc")
    if not held["private tmpfs"]:
        open_.append("the scratch folder's size is checked after each call instead of bounded")
    _warn_once(missing_text(held, open_))


def missing_text(held: dict[str, bool], open_: list[str]) -> str:
    """The line that says what workers run without, why (only the causes of what is really
    missing) and what that leaves open."""
    missing = [name for name, ok in held.items() if not ok]
    why = []
    if any(not held[name] for name in ("pid namespace", "network namespace", "private tmpfs", "private /proc")):
        why.append("namespaces need CAP_SYS_ADMIN, which Docker does not grant by default")
    if held["Landlock (files)"] and not held["Landlock (TCP)"]:
        why.append("Landlock ABI 4 needs Linux 6.7")
    if held["Landlock (files)"] and not held["Landlock (abstract sockets, signals)"]:
        why.append("Landlock ABI 6 needs Linux 6.12")
    text = f"workers run without: {', '.join(missing)}" + (f" ({'; '.join(why)})" if why else "")
    return text + (f"; so {'; '.join(open_)}" if open_ else "")


def _decode_exit(returncode, limits, oom=None):
    """Why the worker process ended, in the student's language. oom: the container's
    memory limit in MB, when the kernel killed a process for lack of memory meanwhile."""
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
        # no limit of ours sends SIGKILL: the kernel's out-of-memory killer, or someone else
        signal.SIGKILL: say("exit_oom", mb=oom) if oom else say("exit_killed"),
    }
    return reasons.get(sig, say("exit_signal", name=signal.Signals(sig).name))


class Phase(enum.Enum):
    """Where a worker is in its life. Each message the worker sends moves it on."""

    STARTING = "starting"            # forked; Python and torch not yet known to work
    IMPORTING = "importing"          # ready: the worker is importing the student's file
    SERVING = "serving"              # the student's file imported: calls may be made
    IMPORT_FAILED = "import failed"  # the student's file raised on import: every call fails so


@dataclass(frozen=True)
class WorkerSpec:
    """How a worker is started: the student's file (None: there is none), the limits, the
    zygote's client and the account it runs as, whether a GPU may be used (then no
    address-space limit: CUDA reserves huge ranges) and the time.monotonic() by which every
    wait ends (the grade's time budget)."""

    submission: Path | str | None
    limits: Limits
    client: ZygoteClient | None
    account: Account | None
    gpu_possible: bool = False
    deadline: float | None = None


class Worker:
    """One sandboxed worker, forked by the zygote, with the student's file imported."""

    def __init__(self, spec: WorkerSpec) -> None:
        """Spawn it: the student's file copied into a scratch folder of its own, then the
        worker forked by the zygote (_spawn)."""
        self.spec = spec
        self.limits, self.client, self.account, self.deadline = spec.limits, spec.client, spec.account, spec.deadline
        self.pid = None
        self.scratch, target = self._scratch()
        # watched from before the worker starts (needed only where it gets no tmpfs of its own)
        self.disk = DiskBound(self.scratch, self.limits.disk_bytes, self.limits.disk_files)
        try:
            self._spawn(target)
        except BaseException:
            self.disk.close()
            raise
        self.disk.group = self.pid   # stopped while its folder is measured
        self._reader = wire.Reader(self.limits.reply_bytes)
        self.phase = Phase.STARTING
        self._import_output = ""   # what the import printed, until ready() hands it over
        self._import_reply = None  # the worker's hello: did the student's file import, what it lacks
        self.exit_code = None
        self.missing = []
        self.protections = {}

    def _scratch(self) -> tuple[str, str]:
        """A scratch folder of the worker's own, holding the student's file: (folder, file)."""
        scratch = tempfile.mkdtemp(prefix="grade-worker-")
        target = os.path.join(scratch, current().file)
        try:   # an OSError here is the grader's (grade.grade_safely withholds the grade): leave nothing behind
            with open(target, "wb") as f:   # never through a link (find_submission returned a path without one)
                f.write(nofollow.read_bytes(self.spec.submission))
            if self.account:
                for p in (scratch, target):
                    os.chown(p, self.account.uid, self.account.gid)
            os.chmod(scratch, 0o700)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        return scratch, target

    def _spawn_request(self, target: str) -> dict[str, Any]:
        """What the zygote is asked to start (plain data: it crosses a socket)."""
        account, limits = self.account, self.limits
        needs = [sys.executable, str(WORKER_MAIN.parent), str(COMMON), torch_folder()]
        # In a container, the kernel kills for memory long before the address-space limit:
        # give the worker only what is left (the zygote adds what it already maps), and make
        # it the kernel's first choice, never the grader.
        self.memory = container.memory()
        room = None
        if self.memory:
            left = self.memory.limit - self.memory.used - GRADER_RESERVE
            if left < 64 << 20:
                _warn_once(f"the machine's memory limit ({self.memory.limit >> 20} MB) leaves almost nothing "
                           "for student code: raise the container's memory")
            room = max(0, left) + ADDRESS_SLACK
        return {"uid": account.uid if account else None, "gid": account.gid if account else None,
                "rlimits": self._rlimits(self.spec.gpu_possible), "memory_room": room, "oom_score_adj": 1000,
                "nice": WORKER_NICE,
                "env": scrubbed_env(HOME=self.scratch, TMPDIR=self.scratch), "scratch": self.scratch,
                "target": target, "needs": needs,
                "contract": {"functions": list(current().functions), "inputs": current().contract.INPUTS},
                "isolate": limits.isolate, "disk_bytes": limits.disk_bytes, "disk_files": limits.disk_files,
                "confine": {"read": open_to_workers([*readable_by_workers(), *needs]),
                            "write": [self.scratch, *device_files()]}}

    def _spawn(self, target: str) -> None:
        """Fork the worker from the zygote, with three pipes: requests, replies, output."""
        request_r, self._request_w = os.pipe()
        self._reply_r, reply_w = os.pipe()
        self._output_r, output_w = os.pipe()
        try:
            self.pid = self.client.spawn(self._spawn_request(target), [request_r, reply_w, output_w],
                                         self._wait(self.limits.start_seconds)[0])
        except InstallationError as exc:
            for fd in (self._request_w, self._reply_r, self._output_r):
                os.close(fd)
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise InstallationError(self._explain(str(exc))) from None
        finally:
            for fd in (request_r, reply_w, output_w):
                os.close(fd)
        _same_cpus(self.pid)
        os.set_blocking(self._output_r, False)
        os.set_blocking(self._request_w, False)   # written with a deadline (wire.write_all)

    @property
    def alive(self) -> bool:
        return self.pid is not None

    def _explain(self, what):
        """For the instructor: what went wrong before the student's file was imported, and the fix."""
        who = f"user {self.account.name!r}" if self.account else "the current user"
        text = f"The autograder could not start its worker (running as {who}): {what.strip()}"
        closed = [c for c in map(closed_to_others, (sys.executable, WORKER_MAIN, torch_folder())) if c]
        if self.account and closed:
            text += (f"\nThe worker account cannot reach {closed[0]}. Fix: keep the autograder and its "
                     f"Python environment under folders every user can enter and read (for example "
                     f"/opt or /autograder), or run: chmod o+rx {closed[0]}")
        return text

    def _rlimits(self, gpu_possible):
        """[(name, soft, hard)] the child sets on itself once it is the worker account."""
        lim = self.limits
        out = [("RLIMIT_CPU", lim.cpu_seconds, lim.cpu_seconds),
               ("RLIMIT_FSIZE", lim.file_bytes, lim.file_bytes),
               ("RLIMIT_CORE", 0, 0), ("RLIMIT_NOFILE", 256, 256)]
        if not gpu_possible:  # CUDA reserves huge address ranges
            out.append(("RLIMIT_AS", lim.memory_bytes, lim.memory_bytes))
        if self.account:  # NPROC counts every process of the account
            out.append(("RLIMIT_NPROC", lim.processes, lim.processes))
        return out

    def _wait(self, seconds):
        """(how long to wait, whether the grade's time budget cut it short)."""
        if self.deadline is None:
            return seconds, False
        left = max(0.0, self.deadline - time.monotonic())
        return min(seconds, left), left < seconds

    def _out_of_memory(self):
        """The container's limit in MB if the kernel has killed a process for lack of
        memory since this worker started, or memory is full now, else None."""
        return container.out_of_memory(self.memory, container.memory() if self.memory else None)

    # -- talking ---------------------------------------------------------------
    def scrub(self, text: object, dropped: bool | int = False) -> str:
        """What the student's code printed or raised, made safe to write (no lone
        surrogates), with the scratch folder's paths shown as the student knows them
        (by its name alone, not /tmp/grade-worker-.../its name), cut to limits.output_chars like
        printed output. dropped: some of it was already left out."""
        text = wire.safe_text(str(text)).replace(self.scratch + os.sep, "").replace(self.scratch, ".")
        if len(text) > self.limits.output_chars or dropped:
            text = text[: self.limits.output_chars] + "\n... " + say("truncated")
        return text

    def _disk_over(self):
        """True when the scratch folder holds more than limits.disk_bytes or disk_files.
        Measured only where it is no size-limited tmpfs of its own (no mount namespace)."""
        return not self.protections.get("private tmpfs") and self.disk.over()

    def _receive(self, timeout, what, since=None):
        """Wait for one message; return (header, tensors, output). since: when the
        timeout started (time.monotonic(); default now)."""
        timeout, cut = self._wait(timeout)
        deadline = (since or time.monotonic()) + timeout
        output, dropped = bytearray(), 0
        keep = self.limits.output_chars * 4

        def drain() -> None:
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

        def text() -> str:
            return self.scrub(output.decode("utf-8", "replace"), dropped)

        def disk_full() -> StudentCodeError:
            self.close()
            return StudentCodeError(say("disk_full", what=what, mb=self.limits.disk_bytes >> 20,
                                        files=self.limits.disk_files), output=text(), worker_lost=True)

        while True:
            try:
                message = self._reader.message()
            except wire.TooLarge as exc:
                self.close()
                raise StudentCodeError(say("reply_too_large", what=what, mb=f"{exc.size / 2**20:.1f}",
                                           limit=f"{exc.limit / 2**20:g}"), output=text(), worker_lost=True) from None
            except wire.WireError as exc:
                self.close()
                raise StudentCodeError(say("unreadable_reply", error=exc), output=text(), worker_lost=True,
                                       kind="crash") from None
            if message is not None:
                drain()
                if self._disk_over():
                    raise disk_full()
                if not isinstance(message[0], dict):
                    self.close()
                    raise StudentCodeError(say("unexpected_reply", what=what), output=text(), worker_lost=True)
                return message[0], message[1], text()
            if self._disk_over():
                raise disk_full()
            left = deadline - time.monotonic()
            if left <= 0:
                oom = self._out_of_memory()   # read before the worker is stopped and its memory freed
                self.close()
                if oom:   # starved of memory while the kernel reclaimed pages: not an infinite loop
                    _warn_worker_oom(oom)
                    raise StudentCodeError(say("worker_died", what=what, why=say("exit_oom", mb=oom)), output=text(),
                                           worker_lost=True, kind="crash")
                if cut:
                    raise StudentCodeError(say("out_of_time_call", what=what, seconds=f"{self.limits.total_seconds:g}"),
                                           output=text(), worker_lost=True, kind="out_of_time")
                raise StudentCodeError(say("call_timeout", what=what, seconds=f"{timeout:g}"),
                                       output=text(), worker_lost=True, kind="timeout")
            # wake up when the scratch folder changes, and now and then, to measure it where that is needed
            wait = left if self.protections.get("private tmpfs") else min(left, self.disk.wait_seconds())
            ready, _, _ = select.select([self._reply_r, self._output_r, *self.disk.fds()], [], [], wait)
            if self._output_r in ready:
                drain()
            if self._reply_r in ready:
                chunk = os.read(self._reply_r, PIPE_READ)
                if not chunk:
                    drain()
                    code = self.client.wait_exit(self.pid, EXIT_HEARD_SECONDS)
                    self.exit_code = code
                    self.close()
                    oom = self._out_of_memory()
                    if oom and code is not None and -code == signal.SIGKILL:
                        _warn_worker_oom(oom)
                    why = _decode_exit(code, self.limits, oom)
                    raise StudentCodeError(say("worker_died", what=what, why=why), output=text(), worker_lost=True,
                                           kind="crash")
                self._reader.feed(chunk)

    def started(self) -> None:
        """Wait until the worker is ready to import the student's file (Python and torch work); raises
        InstallationError if it is not. Nothing of the student's has run yet."""
        if self.phase is not Phase.STARTING:
            return
        try:
            header, _, output = self._receive(self.limits.start_seconds, "starting the worker")
        except StudentCodeError as exc:
            if exc.kind == "out_of_time":
                raise
            if self.exit_code is not None:
                what = f"it ended with exit status {self.exit_code} before it was ready"
            else:
                what = "it did not become ready"
            raise InstallationError(self._explain(f"{what}.\n{exc.output}")) from None
        if not header.get("ready"):
            self.close()
            raise InstallationError(self._explain(f"{header.get('error', header)}\n{output}"))
        self.phase = Phase.IMPORTING
        self._import_output = output   # the import of the student's file may already have printed
        self.protections = protections(header, self.limits)
        if self.protections["private tmpfs"]:
            self.disk.close()   # the tmpfs's size bounds it
        if self.account:
            _warn_protections(self.protections)

    def ready(self) -> str:
        """Wait until the student's file is imported. Returns what the import printed (once; "" after
        that); raises StudentCodeError if the import failed."""
        self.started()
        if self.phase is Phase.IMPORTING:
            header, _, output = self._receive(self.limits.start_seconds, say("importing"))
            self._import_reply, self._import_output = header, self._import_output + output
            missing = header.get("missing")
            self.missing = [f for f in current().functions if isinstance(missing, list) and f in missing]
            self.phase = Phase.SERVING if header.get("ok") is True else Phase.IMPORT_FAILED
        output, self._import_output = self._import_output, ""
        if self.phase is Phase.IMPORT_FAILED:
            error = self._import_reply.get("error", "")
            raise StudentCodeError(say("import_failed", error=fence(self.scrub(error))), output=output, kind="import")
        return output

    def call(self, fn: str, *args: object, device: str = "cpu", timeout: float | None = None,
             check_inputs: bool = True, gpu_check: str | None = None, **kwargs: object) -> Reply:
        """Call <fn> of the student's module(*args, **kwargs) in the worker. Returns a Reply. check_inputs=False:
        the worker does not look for inputs the call changed (Reply.modified is empty).
        gpu_check "cuda" or "virtual": make the call on a GPU instead, real or virtual, and
        return its device report (common/devices.py) as the Reply's report, with no value."""
        self.ready()
        if fn in self.missing:
            raise StudentCodeError(say("missing_functions", names=fn))
        tree, tensors = wire.encode({"args": list(args), "kwargs": kwargs})
        request = {"fn": fn, "call": tree, "device": device}
        if not check_inputs:
            request["inputs"] = False
        if gpu_check:
            request.update(check="device", real_gpu=gpu_check == "cuda")
        since, seconds = time.monotonic(), self._wait(timeout or self.limits.call_seconds)[0]
        try:   # the call's time limit counts from here: a worker that does not read is out of time
            wire.write_all(self._request_w, wire.pack(request, tensors), since + seconds)
        except wire.WriteTimeout:
            pass   # _receive below finds the time spent and says so
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
        header, tensors, output = self._receive(timeout or self.limits.call_seconds, fn, since)
        # What the worker sends is the student's to forge (their code can write to this
        # channel): anything the protocol does not expect is their error in this test.
        autograd = header.get("autograd")
        autograd = self.scrub(autograd)[:100] if autograd else None
        if header.get("ok") is False:
            error = fence(self.scrub(header.get("error", "")))
            raise StudentCodeError(say("raised", fn=fn, error=error), output=output, autograd=autograd)
        try:   # the reply's form: a forgery, or anything else the protocol does not expect, is theirs
            if header.get("ok") is not True:
                raise wire.WireError("no ok")
            if gpu_check:
                try:
                    report = devices.read_report(header.get("report"))
                except ValueError:
                    raise wire.WireError("not a device report") from None
            else:
                # Any other failure of decode is the grader's own bug, never the student's
                # (grade.grade_safely withholds the grade).
                value = wire.decode(header.get("value"), tensors)
                modified = header.get("modified") or []
                if not (isinstance(modified, list) and all(isinstance(name, str) for name in modified)):
                    raise wire.WireError("bad modified")
        except wire.WireError:
            self.close()
            raise StudentCodeError(say("unexpected_reply", what=fn), output=output, worker_lost=True) from None
        if gpu_check:
            for error in (report["error"], report["cpu_error"]):
                if error:
                    error.update(type=self.scrub(error["type"])[:200], text=self.scrub(error["text"]))
            return Reply(None, output, autograd, [], report)
        modified = [self.scrub(name)[:100] for name in modified]
        return Reply(value, output, autograd, modified)

    def close(self) -> None:
        """Kill the worker and everything it started; remove its scratch folder."""
        if self.pid is None:
            return
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.exit_code is None:   # not heard yet: wait until the zygote has reaped it
            try:
                self.exit_code = self.client.wait_exit(self.pid, REAPED_SECONDS)
            except InstallationError:
                pass
        self.pid = None
        for fd in (self._request_w, self._reply_r, self._output_r):
            os.close(fd)
        self.disk.close()
        shutil.rmtree(self.scratch, ignore_errors=True)
        if self.account:   # then whatever it left behind (the account is ours alone)
            kill_user_processes(self.account.uid)
            remove_user_files(self.account.uid)


class Runner:
    """One grading session's access to student code: a live worker, replaced after a
    failure, so a crash or a timeout costs only the test that caused it."""

    def __init__(self, spec: WorkerSpec, worker: Worker | None = None, failure: StudentCodeError | None = None) -> None:
        """spec: how its workers are started; worker: one already started from it;
        failure: a StudentCodeError every call raises (for example: no such file found)."""
        self.spec, self.limits = spec, spec.limits
        self.worker = worker
        self.output = []       # what the student printed since the last take_output()
        # the error every call raises from now on: no such file, a submitted file that does not
        # import, or a worker that cannot start (starting or importing again would fail again)
        self._failure = failure

    def _live(self):
        if self._failure:
            raise self._failure
        if self.worker is None or not self.worker.alive:
            try:
                self.worker = Worker(self.spec)
            except InstallationError as exc:
                self._failure = exc
                raise
        try:
            self.output.append(self.worker.ready())
        except InstallationError as exc:
            self._failure = exc
            raise
        except StudentCodeError as exc:
            self._failure = StudentCodeError(str(exc), kind=exc.kind)
            self.output.append(exc.output)
            raise
        return self.worker

    def missing_functions(self) -> list[str]:
        """Import the student's file (if not yet) and return the names of the functions it lacks."""
        return self._live().missing

    def call(self, fn: str, *args: object, **kwargs: Any) -> Reply:
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

    def take_output(self) -> str:
        """What the student printed since the last call of this, cut to
        limits.output_chars in all (each call's share is cut already)."""
        text = "".join(o for o in self.output if o)
        self.output = []
        if len(text) > self.limits.output_chars:
            text = text[: self.limits.output_chars] + "\n... " + say("truncated")
        return text

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None
