"""The trusted side of the sandbox: start a worker, call into it, stop it.

Student code never runs in this process, and this process never forks a worker. A
grading run starts one `Zygote`: a fresh interpreter (worker/zygote.py) that imports
torch once and forks one worker per submission. Each worker runs worker/main.py as a
worker account of its own (`take_account`: one per grading session, under a lock the
operating system releases if the session dies) with no supplementary groups, rlimits, a
scrubbed environment and a private scratch folder. `Worker.call` sends one request
through wire.py and waits for the reply with a deadline, reading whatever the student
prints on the side. `Runner` keeps one worker alive for a grading session and replaces
it after a failure.

This module imports nothing heavy, so the zygote can start before torch is loaded here.
"""
import array
import errno
import fcntl
import functools
import json
import os
import pwd
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import container
from .messages import say
from .worker import wire

WORKER_MAIN = Path(__file__).resolve().parent / "worker" / "main.py"
ZYGOTE_MAIN = Path(__file__).resolve().parent / "worker" / "zygote.py"
SLOT_LOCKS = Path("/run/mlp-autograder")   # root-only: one lock file per worker account


@dataclass
class Limits:
    """What one worker may use. Times in seconds, sizes in bytes. The values an instructor
    may set have no default here: they are in autograder/config.toml (config.load), the
    one place they are written, which setup.sh and make read too."""

    call_seconds: float              # wall clock for one call into mlp.py
    start_seconds: float             # wall clock to start Python, import torch and mlp.py
    cpu_seconds: int                 # CPU time over the worker's whole life
    memory_bytes: int                # address space; not applied when a GPU may be used. Lowered
                                     # to what the machine (its cgroup) has left: container.py
    processes: int                   # processes and threads of the worker user
    file_bytes: int                  # largest file the worker may write
    output_chars: int                # student output kept per call
    user: str                        # worker accounts are user0, user1, ... (see take_account)
    accounts: int                    # how many: grading sessions that can run at once
    total_seconds: float             # one whole grade, start-up included (Gradescope's default: 600)
    disk_bytes: int                  # all the worker may write (a private tmpfs where mounts are allowed)
    isolate: bool                    # PID, network and mount namespaces per worker, where the kernel allows
    # Not settings: far from anything a correct submission needs.
    disk_files: int = 1000           # files and folders it may create there
    reply_bytes: int = 8 << 20       # largest reply read from a worker; far above any correct answer


FUNCTIONS = ("forward", "bce_loss", "backward", "sgd_step")

# Memory a worker leaves to the grader's own processes in a container (the trusted side's
# comparisons and the results). The address-space limit counts reservations that use no
# memory (a thread's stack and malloc arena reserve tens of MB each), so the worker also
# gets this much address space beyond the memory left; past the memory itself the kernel
# stops it (oom_score_adj), and the student is told so either way.
GRADER_RESERVE = 64 << 20
ADDRESS_SLACK = 256 << 20


class InstallationError(Exception):
    """The worker could not start: Python, torch or the grader's files are out of the
    worker account's reach. Never the student's fault. `str(self)` is for the instructor."""


class StudentCodeError(Exception):
    """The student's code failed. `str(self)` is written for the student."""

    def __init__(self, message, output="", worker_lost=False, autograd=None, kind="raised"):
        super().__init__(message)
        self.hints = list(getattr(message, "hints", ()))   # checks.with_hint's ids, as data
        self.output = output
        self.worker_lost = worker_lost
        self.autograd = autograd   # the autograd entry point the call used, if any
        self.kind = kind           # raised, import, timeout or crash: for the class report


@dataclass
class Reply:
    value: object          # decoded by wire.decode: plain tensors, numbers, dicts, Foreign
    output: str            # what the student printed during the call (truncated)
    autograd: str | None   # what the call used to differentiate (worker/guard.py), if anything
    modified: list = ()    # the inputs the call changed in place (their contract names)


@dataclass
class Account:
    """A worker account held by this process: its lock is released when the process
    ends, however it ends."""

    uid: int
    gid: int
    name: str
    lock: int   # file descriptor holding the flock


def _pool_names(limits):
    """The worker accounts that exist: user0 .. user{accounts-1}; or, on a machine set up
    before there was a pool, the single account `user` (else nobody)."""
    names = []
    for name in (f"{limits.user}{i}" for i in range(limits.accounts)):
        try:
            if pwd.getpwnam(name).pw_uid != 0:
                names.append(name)
        except KeyError:
            pass
    if names:
        return names
    for name in (limits.user, "nobody"):
        try:
            if pwd.getpwnam(name).pw_uid != 0:
                return [name]
        except KeyError:
            pass
    raise InstallationError(f"no unprivileged account to run student code: create {limits.user}0 .. "
                            f"{limits.user}{limits.accounts - 1} (autograder/setup.sh or make does it)")


def _lock_folder():
    """SLOT_LOCKS, created root-only; refused if someone else made it first."""
    folder = SLOT_LOCKS if SLOT_LOCKS.parent.is_dir() else Path(tempfile.gettempdir()) / "mlp-autograder-slots"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise InstallationError(f"cannot create {folder}: {exc}") from None
    info = folder.stat()
    if info.st_uid != 0 or info.st_mode & 0o022:
        raise InstallationError(f"{folder} must belong to root and be writable by root only")
    return folder


def take_account(limits):
    """Hold a free worker account for this process; None when we are not root (then the
    worker runs as ourselves). When every account is busy, wait, saying so once."""
    if os.geteuid() != 0:
        return None
    names, folder = _pool_names(limits), _lock_folder()
    said = False
    while True:
        for name in names:
            fd = os.open(folder / f"{name}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            entry = pwd.getpwnam(name)
            try:   # anything left by a session that died
                kill_user_processes(entry.pw_uid)
            except InstallationError:
                os.close(fd)
                raise
            remove_user_files(entry.pw_uid)
            return Account(entry.pw_uid, entry.pw_gid, name, fd)
        if not said:
            print(f"all {len(names)} worker accounts are busy with other grading sessions; "
                  "waiting for one to be free", file=sys.stderr, flush=True)
            said = True
        time.sleep(0.1)


def lock_down(*paths):
    """As root, make paths unreadable to the worker user (owner-only access)."""
    if os.geteuid() != 0:
        return
    for p in paths:
        if p and os.path.exists(p):
            os.chmod(p, 0o700)


def _runs(pid):
    """True while any thread of process pid can still run. A process whose main thread
    has ended shows Z in /proc/PID/stat while its other threads go on: ask each thread."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/stat", "rb") as f:
                if f.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X"):
                    return True
        except (OSError, IndexError):
            pass
    return False


def kill_user_processes(uid, seconds=30.0):
    """SIGKILL every process owned by uid that can still run, whatever its state, session
    or threads, sweeping until none is left (forks included); what remains are zombies
    the zygote reaps. Raises InstallationError if some still run after seconds: the
    account is then not handed to another session."""
    deadline = time.monotonic() + seconds
    while True:
        found = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                if os.stat(f"/proc/{pid}").st_uid != uid or not _runs(pid):
                    continue
                os.kill(int(pid), signal.SIGKILL)
                found.append(pid)
            except (FileNotFoundError, ProcessLookupError):
                pass
        if not found:
            return
        if time.monotonic() > deadline:
            raise InstallationError(f"processes of uid {uid} survive SIGKILL: {', '.join(found[:10])}; "
                                    "the account is not handed on")
        time.sleep(0.02)


# Folders every account may write to when Landlock is missing; what a worker account
# owns there is removed after each worker, so nothing it wrote reaches the next session.
SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue")


def remove_user_files(uid, keep=()):
    """Remove what uid owns at the top of SHARED_FOLDERS (links and folders without
    following them), except the paths in keep."""
    for folder in SHARED_FOLDERS:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.path in keep or entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass


def device_files():
    """The device files a worker may open for writing: the harmless ones, and the GPU's
    (CUDA opens /dev/nvidia* read-write). Never /dev itself, whose /dev/shm would be a
    mailbox between workers."""
    import glob

    return ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
            *glob.glob("/dev/nvidia*"), *glob.glob("/dev/nvidia-caps/*")]


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


def fence(text):
    """text as a Markdown code block that it cannot close: shown verbatim, never rendered
    (a student's "# all tests passed" or image stays text)."""
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}\n{text.rstrip()}\n{fence}"


def scrubbed_env(**more):
    """The whole environment of the zygote and its workers: one thread, unbuffered output,
    and the CUDA_* / NVIDIA_* variables a GPU needs; nothing else of ours."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", **more}
    env.update({k: v for k, v in os.environ.items() if k.startswith(("CUDA_", "NVIDIA_"))})
    return env


@functools.cache
def readable_by_workers():
    """What a worker may read besides its scratch folder: the system's libraries and
    configuration, /proc and /sys, and the Python installation with its packages."""
    import site

    python = [sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))]
    return ("/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc", "/proc", "/sys",
            *python, *site.getsitepackages())


@functools.cache
def _torch_folder():
    """Where torch lives, found without importing it."""
    import importlib.util

    spec = importlib.util.find_spec("torch")
    return os.path.dirname(spec.origin) if spec and spec.origin else sys.prefix


_WARNED = set()


def _warn_once(text):
    """A line for the instructor on stderr, once per process."""
    if text not in _WARNED:
        _WARNED.add(text)
        print(f"autograder: {text}", file=sys.stderr, flush=True)


def protections(header, limits):
    """{name: held} for the worker that sent this ready message (worker/main.py)."""
    isolated, confined = header.get("isolated") or [], header.get("confined") or []
    if not isinstance(isolated, list) or not isinstance(confined, list):
        isolated, confined = [], []
    return {"pid namespace": "pid" in isolated, "network namespace": "net" in isolated,
            "private tmpfs": "mount" in isolated, "Landlock (files)": "files" in confined,
            "Landlock (TCP)": "tcp" in confined, "Landlock (abstract sockets, signals)": "abstract_unix" in confined}


def _warn_protections(held):
    """Tell the instructor once what a worker lacks, and what that leaves open."""
    if not held["Landlock (files)"]:
        _warn_once("this kernel (or container) refuses Landlock: workers can read whatever their "
                   "account may, and write where it may (what it leaves in /tmp and /dev/shm is removed "
                   "after each worker); keep class folders closed to other users (chmod 700)")
    if all(held.values()):
        return
    missing = [name for name, ok in held.items() if not ok]
    open_ = []
    if not held["pid namespace"]:
        open_.append("processes a worker leaves behind are found and killed by account, one by one")
    if not held["network namespace"]:
        if not held["Landlock (TCP)"]:
            open_.append("workers can reach the network")
        else:
            open_.append("workers can send UDP" + ("" if held["Landlock (abstract sockets, signals)"]
                                                    else " and reach abstract unix sockets"))
    if not held["private tmpfs"]:
        open_.append("the scratch folder's size is checked after each call instead of bounded")
    _warn_once(f"workers run without: {', '.join(missing)} (namespaces need CAP_SYS_ADMIN, which Docker "
               f"does not grant by default; Landlock ABI 4 and 6 need Linux 6.7 and 6.12); "
               f"so {'; '.join(open_)}")


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


class Zygote:
    """The trusted side's handle on worker/zygote.py: one control socket per client
    (a grading process). `start` returns at once; the zygote imports torch meanwhile."""

    def __init__(self, proc, sockets, log):
        self.proc, self.sockets, self.log = proc, sockets, log

    @classmethod
    def start(cls, clients=1):
        ours, theirs = zip(*(socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET) for _ in range(clients)))
        log = tempfile.TemporaryFile()   # its own errors, for the instructor; never a file left behind
        try:
            proc = subprocess.Popen([sys.executable, "-I", str(ZYGOTE_MAIN), *(str(t.fileno()) for t in theirs)],
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=scrubbed_env(),
                                    pass_fds=[t.fileno() for t in theirs], start_new_session=True)
        except OSError as exc:
            raise InstallationError(f"cannot start the worker pool: {exc}") from None
        finally:
            for t in theirs:
                t.close()
        return cls(proc, list(ours), log)

    def client(self, i=0):
        return ZygoteClient(self, self.sockets[i])

    def keep_only(self, i):
        """In a grading process forked for client i: drop the other clients' sockets."""
        for j, sock in enumerate(self.sockets):
            if j != i:
                sock.close()

    def failure(self):
        """What the zygote printed, if it died: for the instructor."""
        if self.proc.poll() is None:
            return ""
        self.log.seek(0)
        text = self.log.read()[-3000:].decode("utf-8", "replace")
        return f"the worker pool ended (exit status {self.proc.returncode}): {text}"

    def stop(self):
        """Hang up: the zygote exits by itself once every client has (not waited for:
        its interpreter's teardown takes half a second)."""
        for sock in self.sockets:
            sock.close()
        self.log.close()


class ZygoteClient:
    """Asks the zygote for workers and hears when they end."""

    def __init__(self, zygote, sock):
        self.zygote, self.sock = zygote, sock
        self.warm = None       # the zygote's hello: {"zygote": pid, "threads": n}
        self.exits = {}        # pid -> exit status, as reported

    def _next(self, timeout):
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            return None
        data = self.sock.recv(1 << 16)
        if not data:
            raise InstallationError(self.zygote.failure() or "the worker pool went away")
        return json.loads(data)

    def _hear(self, want, timeout):
        deadline = time.monotonic() + timeout
        while True:
            message = self._next(max(0.0, deadline - time.monotonic()))
            if message is None:
                return None
            if "exit" in message:
                self.exits[message["exit"]] = message["status"]
            elif "zygote" in message:
                self.warm = message
            if want(message):
                return message

    def hello(self, timeout):
        """The zygote's first message, once it has loaded torch: {"zygote": pid, "threads": n}."""
        if self.warm is None and self._hear(lambda m: "zygote" in m, timeout) is None:
            raise InstallationError(self.zygote.failure() or f"the worker pool did not start within {timeout:g} s")
        return self.warm

    def spawn(self, spec, fds, timeout):
        """Fork a worker; returns its pid."""
        self.hello(timeout)
        try:
            self.sock.sendmsg([json.dumps(spec).encode()],
                              [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
        except OSError as exc:
            raise InstallationError(self.zygote.failure() or f"the worker pool went away: {exc}") from None
        reply = self._hear(lambda m: "pid" in m, 10)
        if reply is None:
            raise InstallationError(self.zygote.failure() or "the worker pool did not answer")
        return reply["pid"]

    def wait_exit(self, pid, timeout):
        """The worker's exit status (negative: a signal), or None if not heard in time."""
        if pid not in self.exits:
            self._hear(lambda m: m.get("exit") == pid, timeout)
        return self.exits.pop(pid, None)


class Worker:
    """One sandboxed worker, forked by the zygote, with the student's mlp.py imported."""

    def __init__(self, submission, limits, client, account, gpu_possible=False, deadline=None):
        """deadline: time.monotonic() by which every wait ends (the grade's time budget)."""
        self.limits, self.client, self.account, self.deadline = limits, client, account, deadline
        self.pid = None
        self.scratch = tempfile.mkdtemp(prefix="mlp-worker-")
        target = os.path.join(self.scratch, "mlp.py")
        shutil.copyfile(submission, target)
        if self.account:
            for p in (self.scratch, target):
                os.chown(p, self.account.uid, self.account.gid)
        os.chmod(self.scratch, 0o700)

        request_r, self._request_w = os.pipe()
        self._reply_r, reply_w = os.pipe()
        self._output_r, output_w = os.pipe()
        env = scrubbed_env(HOME=self.scratch, TMPDIR=self.scratch)
        needs = [sys.executable, str(WORKER_MAIN.parent), _torch_folder()]
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
        spec = {"uid": account.uid if account else None, "gid": account.gid if account else None,
                "rlimits": self._rlimits(gpu_possible), "memory_room": room, "oom_score_adj": 1000,
                "env": env, "scratch": self.scratch, "target": target, "needs": needs,
                "isolate": limits.isolate, "disk_bytes": limits.disk_bytes, "disk_files": limits.disk_files,
                "confine": {"read": [*readable_by_workers(), *needs], "write": [self.scratch, *device_files()]}}
        try:
            self.pid = client.spawn(spec, [request_r, reply_w, output_w], self._wait(limits.start_seconds)[0])
        except InstallationError as exc:
            for fd in (self._request_w, self._reply_r, self._output_r):
                os.close(fd)
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise InstallationError(self._explain(str(exc))) from None
        finally:
            for fd in (request_r, reply_w, output_w):
                os.close(fd)
        os.set_blocking(self._output_r, False)
        os.set_blocking(self._request_w, False)   # written with a deadline (wire.write_all)
        self._reader = wire.Reader(limits.reply_bytes)
        self._started = False
        self._early_output = ""
        self._hello = None
        self.exit_code = None
        self.missing = []
        self.protections = {}

    @property
    def alive(self):
        return self.pid is not None

    def _explain(self, what):
        """For the instructor: what went wrong before mlp.py was imported, and the fix."""
        who = f"user {self.account.name!r}" if self.account else "the current user"
        text = f"The autograder could not start its worker (running as {who}): {what.strip()}"
        closed = [c for c in map(closed_to_others, (sys.executable, WORKER_MAIN, _torch_folder())) if c]
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
        memory since this worker started, else None."""
        now = container.memory() if self.memory else None
        if now and now.oom_kills > self.memory.oom_kills:
            return self.memory.limit >> 20
        return None

    # -- talking ---------------------------------------------------------------
    def scrub(self, text, dropped=False):
        """What the student's code printed or raised, made safe to write (no lone
        surrogates), with the scratch folder's paths shown as the student knows them
        (mlp.py, not /tmp/mlp-worker-.../mlp.py), cut to limits.output_chars like
        printed output. dropped: some of it was already left out."""
        text = wire.safe_text(str(text)).replace(self.scratch + os.sep, "").replace(self.scratch, ".")
        if len(text) > self.limits.output_chars or dropped:
            text = text[: self.limits.output_chars] + "\n... " + say("truncated")
        return text

    def _disk_over(self):
        """True when the scratch folder holds more than limits.disk_bytes or disk_files.
        Needed only where it is no size-limited tmpfs of its own (no mount namespace)."""
        if self.protections.get("private tmpfs"):
            return False
        used, files, folders = 0, 0, [self.scratch]
        while folders:
            try:
                entries = list(os.scandir(folders.pop()))
            except OSError:
                continue
            for entry in entries:
                files += 1
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                used += info.st_blocks * 512   # what the disk holds: a sparse file costs nothing
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                if used > self.limits.disk_bytes or files > self.limits.disk_files:
                    return True
        return False

    def _receive(self, timeout, what, since=None):
        """Wait for one message; return (header, tensors, output). since: when the
        timeout started (time.monotonic(); default now)."""
        timeout, cut = self._wait(timeout)
        deadline = (since or time.monotonic()) + timeout
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
            return self.scrub(output.decode("utf-8", "replace"), dropped)

        def disk_full():
            self.close()
            return StudentCodeError(say("disk_full", what=what, mb=self.limits.disk_bytes >> 20,
                                        files=self.limits.disk_files), text(), True)

        while True:
            try:
                message = self._reader.message()
            except wire.TooLarge as exc:
                self.close()
                raise StudentCodeError(say("reply_too_large", what=what, mb=f"{exc.size / 2**20:.1f}",
                                           limit=f"{exc.limit / 2**20:g}"), text(), True)
            except wire.WireError as exc:
                self.close()
                raise StudentCodeError(say("unreadable_reply", error=exc), text(), True, kind="crash")
            if message is not None:
                drain()
                if self._disk_over():
                    raise disk_full()
                if not isinstance(message[0], dict):
                    self.close()
                    raise StudentCodeError(say("unexpected_reply", what=what), text(), True)
                return message[0], message[1], text()
            if self._disk_over():
                raise disk_full()
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                if cut:
                    raise StudentCodeError(say("out_of_time_call", what=what, seconds=f"{self.limits.total_seconds:g}"),
                                           text(), True, kind="out_of_time")
                raise StudentCodeError(say("call_timeout", what=what, seconds=f"{timeout:g}"), text(), True,
                                       kind="timeout")
            # wake up now and then to look at the scratch folder's size, where that is needed
            wait = left if self.protections.get("private tmpfs") else min(left, 0.25)
            ready, _, _ = select.select([self._reply_r, self._output_r], [], [], wait)
            if self._output_r in ready:
                drain()
            if self._reply_r in ready:
                chunk = os.read(self._reply_r, 1 << 20)
                if not chunk:
                    drain()
                    code = self.client.wait_exit(self.pid, 2)
                    self.exit_code = code
                    self.close()
                    why = _decode_exit(code, self.limits, self._out_of_memory())
                    raise StudentCodeError(say("worker_died", what=what, why=why), text(), True, kind="crash")
                self._reader.feed(chunk)

    def started(self):
        """Wait until the worker is ready to import mlp.py (Python and torch work); raises
        InstallationError if it is not. Nothing of the student's has run yet."""
        if self._started:
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
        self._started = True
        self._early_output = output   # the import of mlp.py may already have printed
        self.protections = protections(header, self.limits)
        if self.account:
            _warn_protections(self.protections)

    def ready(self):
        """Wait until mlp.py is imported. Returns what the import printed (once; "" after
        that); raises StudentCodeError if the import failed."""
        self.started()
        if self._hello is None:
            header, _, output = self._receive(self.limits.start_seconds, say("importing"))
            self._hello = header, self._early_output + output
            missing = header.get("missing")
            self.missing = [f for f in FUNCTIONS if isinstance(missing, list) and f in missing]
        header, output = self._hello
        self._hello = header, ""
        if header.get("ok") is not True:
            raise StudentCodeError(say("import_failed", error=fence(self.scrub(header.get("error", "")))), output,
                                   kind="import")
        return output

    def call(self, fn, *args, device="cpu", timeout=None, **kwargs):
        """Call mlp.<fn>(*args, **kwargs) in the worker. Returns a Reply."""
        self.ready()
        if fn in self.missing:
            raise StudentCodeError(say("missing_functions", names=fn))
        tree, tensors = wire.encode({"args": list(args), "kwargs": kwargs})
        since, seconds = time.monotonic(), self._wait(timeout or self.limits.call_seconds)[0]
        try:   # the call's time limit counts from here: a worker that does not read is out of time
            wire.write_all(self._request_w, wire.pack({"fn": fn, "call": tree, "device": device}, tensors),
                           since + seconds)
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
            raise StudentCodeError(say("raised", fn=fn, error=fence(self.scrub(header.get("error", "")))), output,
                                   autograd=autograd)
        try:
            if header.get("ok") is not True:
                raise wire.WireError("no ok")
            value = wire.decode(header["value"], tensors)
            modified = header.get("modified") or []
            if not (isinstance(modified, list) and all(isinstance(name, str) for name in modified)):
                raise wire.WireError("bad modified")
            modified = [self.scrub(name)[:100] for name in modified]
        except Exception:
            self.close()
            raise StudentCodeError(say("unexpected_reply", what=fn), output, True) from None
        return Reply(value, output, autograd, modified)

    def close(self):
        """Kill the worker and everything it started; remove its scratch folder."""
        if self.pid is None:
            return
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.exit_code is None:   # not heard yet: wait until the zygote has reaped it
            try:
                self.exit_code = self.client.wait_exit(self.pid, 5)
            except InstallationError:
                pass
        self.pid = None
        for fd in (self._request_w, self._reply_r, self._output_r):
            os.close(fd)
        shutil.rmtree(self.scratch, ignore_errors=True)
        if self.account:   # then whatever it left behind (the account is ours alone)
            kill_user_processes(self.account.uid)
            remove_user_files(self.account.uid)


def start_worker(submission, limits, client, account, gpu_possible=False, deadline=None):
    """Start a worker for submission (a path to mlp.py): a fork of the zygote behind
    client, running as account. Returns at once; the import finishes in the background."""
    return Worker(submission, limits, client, account, gpu_possible, deadline)


class Runner:
    """One grading session's access to student code: a live worker, replaced after a
    failure, so a crash or a timeout costs only the test that caused it."""

    def __init__(self, submission, limits, client, account, gpu_possible=False, worker=None, failure=None,
                 deadline=None):
        """failure: a StudentCodeError every call raises (for example: no mlp.py found).
        deadline: time.monotonic() when the grade's time budget runs out."""
        self.submission, self.limits, self.gpu_possible = submission, limits, gpu_possible
        self.deadline = deadline
        self.client, self.account = client, account
        self.worker = worker
        self.output = []       # what the student printed since the last take_output()
        self._import_error = failure

    def _live(self):
        if self._import_error:
            raise self._import_error
        if self.worker is None or not self.worker.alive:
            try:
                self.worker = start_worker(self.submission, self.limits, self.client, self.account,
                                           self.gpu_possible, self.deadline)
            except InstallationError as exc:
                self._import_error = exc   # starting again would fail again
                raise
        try:
            self.output.append(self.worker.ready())
        except InstallationError as exc:
            self._import_error = exc
            raise
        except StudentCodeError as exc:
            self._import_error = StudentCodeError(str(exc), kind=exc.kind)  # importing again would fail again
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
        """What the student printed since the last call of this, cut to
        limits.output_chars in all (each call's share is cut already)."""
        text = "".join(o for o in self.output if o)
        self.output = []
        if len(text) > self.limits.output_chars:
            text = text[: self.limits.output_chars] + "\n... " + say("truncated")
        return text

    def close(self):
        if self.worker is not None:
            self.worker.close()
            self.worker = None
