"""How much a worker has written, where no size-limited tmpfs of its own holds its
scratch folder (a container that refuses mounts, as Docker's default one does).

The grader then measures the folder itself. It measures when the kernel says that
something in the folder changed (inotify, on the folder and every folder made in it),
and at least every POLL_SECONDS (in case a watch could not be added), and stops the
worker as soon as the folder holds more than its limit. What a worker can write beyond
the limit is then what its writes in flight add before the grader has measured: about
one write of each thread that writes at that moment (each at most RLIMIT_FSIZE, the
largest file), not what it writes between two polls. docs/security.md gives the bound
measured with bench/disk_bound.py.
"""
from __future__ import annotations

import os
import signal
import threading
import time

# The folder is measured at least this often, watched or not: a write through mmap, or in
# a folder whose watch could not be added, makes no event.
POLL_SECONDS = 0.25

try:
    from inotify_simple import INotify, flags
except ImportError:   # not Linux, or the package missing: polled only
    INotify = flags = None

if flags is not None:
    # a file or folder made or moved in (a folder is then watched too), a file written or closed
    CHANGES = flags.CREATE | flags.MODIFY | flags.MOVED_TO | flags.CLOSE_WRITE


def usage_over(folder: str, max_bytes: int, max_files: int) -> bool:
    """True when folder holds more than max_bytes (the blocks its files take: a sparse
    file costs what it holds) or more than max_files files and folders."""
    used, files, folders = 0, 0, [folder]
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
            used += info.st_blocks * 512
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry.path)
            if used > max_bytes or files > max_files:
                return True
    return False


class DiskBound:
    """Watches a scratch folder; over() says when it holds more than its limits. fds()
    are to be waited on with select() next to the worker's own, for at most
    wait_seconds(): over() then measures again, whether or not an event came."""

    def __init__(self, folder: str, max_bytes: int, max_files: int) -> None:
        self.folder, self.max_bytes, self.max_files = folder, max_bytes, max_files
        self.group = None   # the writer's process group, once it runs: stopped while measured
        self.inotify, self.watched = None, {}
        self.measured = time.monotonic()
        if INotify is None:
            return
        try:
            self.inotify = INotify(nonblocking=True)
        except OSError:   # no inotify instance left for this user: polled only
            return
        self._watch(folder)

    def _watch(self, folder: str) -> None:
        """Watch folder and the folders in it (made before its watch was added)."""
        try:
            self.watched[self.inotify.add_watch(folder, CHANGES)] = folder
            entries = list(os.scandir(folder))
        except OSError:   # gone already, or out of watches: the poll still measures it
            return
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                self._watch(entry.path)

    def fds(self) -> list[int]:
        return [self.inotify.fileno()] if self.inotify is not None else []

    def wait_seconds(self) -> float:
        return max(0.0, self.measured + POLL_SECONDS - time.monotonic())

    def over(self) -> bool:
        """True when the folder holds more than allowed. Measures it when the kernel
        reported a change, when the poll is due, and always where nothing is watched."""
        changed = self.inotify is None
        if self.inotify is not None:
            for event in self.inotify.read(timeout=0):
                changed = True
                if event.mask & flags.ISDIR and event.wd in self.watched:
                    self._watch(os.path.join(self.watched[event.wd], event.name))
        if not changed and self.wait_seconds() > 0:
            return False
        self.measured = time.monotonic()
        if self.group is None:
            return usage_over(self.folder, self.max_bytes, self.max_files)
        # The writer is stopped while it is measured, so that it cannot write on, on other
        # CPUs, meanwhile (writes in flight still end: one per thread of it, each at most
        # RLIMIT_FSIZE). Stopped or not, a worker found over its limit is then killed.
        try:
            os.killpg(self.group, signal.SIGSTOP)
        except OSError:
            pass
        try:
            return usage_over(self.folder, self.max_bytes, self.max_files)
        finally:
            try:
                os.killpg(self.group, signal.SIGCONT)
            except OSError:
                pass

    def close(self) -> None:
        """Close the watch. The kernel holds the closing until its grace period ends
        (about 10 ms measured, a grade's 3% in a class): a thread waits for it instead of the
        grade."""
        if self.inotify is not None:
            threading.Thread(target=self.inotify.close, name=CLOSING, daemon=True).start()
            self.inotify = None


CLOSING = "inotify-close"   # the name of the threads that close a watch


def wait_closed() -> None:
    """Wait until every watch closed so far is closed."""
    for thread in threading.enumerate():
        if thread.name == CLOSING:
            thread.join()
