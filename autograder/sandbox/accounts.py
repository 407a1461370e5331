"""Accounts and the operating system around a worker: the pool of worker accounts (one
per grading session at once, under a lock the kernel releases when the session dies),
the sweep of what an account left behind, and what a worker may read, write and inherit.
"""
from __future__ import annotations

import fcntl
import functools
import os
import pwd
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InstallationError

if TYPE_CHECKING:
    from collections.abc import Container

    from .limits import Limits

SLOT_LOCKS = Path("/run/autograder-slots")   # root-only: one lock file per worker account


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


def lock_folder():
    """SLOT_LOCKS, created root-only; refused if someone else made it first."""
    folder = SLOT_LOCKS if SLOT_LOCKS.parent.is_dir() else Path(tempfile.gettempdir()) / "autograder-slots"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise InstallationError(f"cannot create {folder}: {exc}") from None
    info = folder.stat()
    if info.st_uid != 0 or info.st_mode & 0o022:
        raise InstallationError(f"{folder} must belong to root and be writable by root only")
    return folder


def take_account(limits: Limits) -> Account | None:
    """Hold a free worker account for this process; None when we are not root (then the
    worker runs as ourselves). When every account is busy, wait, saying so once."""
    if os.geteuid() != 0:
        return None
    names, folder = _pool_names(limits), lock_folder()
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


def lock_down(*paths: Path | str | None) -> None:
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


def kill_user_processes(uid: int, seconds: float = 30.0) -> None:
    """SIGKILL every process owned by uid that can still run, whatever its state, session
    or threads, sweeping until none is left (forks included); what remains are zombies
    the zygote reaps. Raises InstallationError if some still run after seconds: the
    account is then not handed to another session."""
    deadline = time.monotonic() + seconds
    pause = 0.001   # a killed process is usually gone within a millisecond or two
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
        time.sleep(pause)
        pause = min(2 * pause, 0.05)


# Folders every account may write to when Landlock is missing; what a worker account
# owns there is removed after each worker, so nothing it wrote reaches the next session.
SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue")


def remove_user_files(uid: int, keep: Container[str] = ()) -> None:
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


def device_files() -> list[str]:
    """The device files a worker may open for writing: the harmless ones, and the GPU's
    (CUDA opens /dev/nvidia* read-write). Never /dev itself, whose /dev/shm would be a
    mailbox between workers."""
    import glob

    return ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
            *glob.glob("/dev/nvidia*"), *glob.glob("/dev/nvidia-caps/*")]


def closed_to_others(path: Path | str) -> str | None:
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


def scrubbed_env(**more: str) -> dict[str, str]:
    """The whole environment of the zygote and its workers: one thread, unbuffered output,
    and the CUDA_* / NVIDIA_* variables a GPU needs; nothing else of ours."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", **more}
    env.update({k: v for k, v in os.environ.items() if k.startswith(("CUDA_", "NVIDIA_"))})
    return env


@functools.cache
def readable_by_workers() -> tuple[str, ...]:
    """What a worker may read besides its scratch folder: the system's libraries and
    configuration, /proc and /sys, and the Python installation with its packages."""
    import site

    python = [sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))]
    return ("/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc", "/proc", "/sys",
            *python, *site.getsitepackages())


@functools.cache
def torch_folder():
    """Where torch lives, found without importing it."""
    import importlib.util

    spec = importlib.util.find_spec("torch")
    return os.path.dirname(spec.origin) if spec and spec.origin else sys.prefix
