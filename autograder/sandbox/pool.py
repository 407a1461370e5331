"""The trusted side's handle on the worker pool (worker/zygote.py): start it, ask it for a
worker, hear when a worker ends."""
from __future__ import annotations

import array
import json
import select
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .accounts import scrubbed_env
from .errors import InstallationError

if TYPE_CHECKING:
    from collections.abc import Sequence

ZYGOTE_MAIN = Path(__file__).resolve().parent / "worker" / "zygote.py"


# How long the zygote may take to fork a worker it was asked for, once it is warm.
FORK_SECONDS = 10

class Zygote:
    """The trusted side's handle on worker/zygote.py: one control socket per client
    (a grading process). `start` returns at once; the zygote imports torch meanwhile."""

    def __init__(self, proc: subprocess.Popen[bytes], sockets: list[socket.socket], log: IO[bytes]) -> None:
        self.proc, self.sockets, self.log = proc, sockets, log

    @classmethod
    def start(cls, clients: int = 1, many: bool = False, layers: Sequence[Sequence[Any]] = ()) -> Zygote:
        """many: it will fork many workers (a class): worth loading all of torch's compiler, the
        virtual GPU's shapes for layers (the assignment's VIRTUAL_GPU_LAYERS) and a garbage
        collection first (worker/zygote.py)."""
        ours, theirs = zip(*(socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET) for _ in range(clients)))
        log = tempfile.TemporaryFile()   # its own errors, for the instructor; never a file left behind
        command = [sys.executable, "-I", str(ZYGOTE_MAIN)]
        if many:
            command += ["--class", json.dumps([list(layer) for layer in layers])]
        try:
            proc = subprocess.Popen([*command, *(str(t.fileno()) for t in theirs)],
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=scrubbed_env(),
                                    pass_fds=[t.fileno() for t in theirs], start_new_session=True)
        except OSError as exc:
            raise InstallationError(f"cannot start the worker pool: {exc}") from None
        finally:
            for t in theirs:
                t.close()
        return cls(proc, list(ours), log)

    def client(self, i: int = 0) -> ZygoteClient:
        return ZygoteClient(self, self.sockets[i])

    def keep_only(self, i: int) -> None:
        """In a grading process forked for client i: drop the other clients' sockets."""
        for j, sock in enumerate(self.sockets):
            if j != i:
                sock.close()

    def failure(self) -> str:
        """What the zygote printed, if it died: for the instructor."""
        if self.proc.poll() is None:
            return ""
        self.log.seek(0)
        text = self.log.read()[-3000:].decode("utf-8", "replace")
        return f"the worker pool ended (exit status {self.proc.returncode}): {text}"

    def stop(self) -> None:
        """Hang up: the zygote exits by itself once every client has (not waited for:
        its interpreter's teardown takes half a second)."""
        for sock in self.sockets:
            sock.close()
        self.log.close()


_EARLY: list[Zygote] = []


def start_early(clients: int, layers: Sequence[Sequence[Any]] = ()) -> None:
    """Start a class's zygote now, for a command that will want one (grade-all): it imports
    torch while the command imports its own. take_early() hands it over."""
    _EARLY.append(Zygote.start(clients, many=True, layers=layers))


def take_early() -> Zygote | None:
    """The zygote start_early() started, once; None if none was."""
    return _EARLY.pop() if _EARLY else None


class ZygoteClient:
    """Asks the zygote for workers and hears when they end."""

    def __init__(self, zygote: Zygote, sock: socket.socket) -> None:
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

    def is_warm(self) -> bool:
        """Has the zygote said it is warm? Never waits."""
        return self.warm is not None or self._hear(lambda m: "zygote" in m, 0) is not None

    def hello(self, timeout: float) -> dict[str, int]:
        """The zygote's first message, once it has loaded torch: {"zygote": pid, "threads": n}."""
        if self.warm is None and self._hear(lambda m: "zygote" in m, timeout) is None:
            raise InstallationError(self.zygote.failure() or f"the worker pool did not start within {timeout:g} s")
        return self.warm

    def spawn(self, spec: dict[str, Any], fds: list[int], timeout: float) -> int:
        """Fork a worker; returns its pid."""
        self.hello(timeout)
        try:
            self.sock.sendmsg([json.dumps(spec).encode()],
                              [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
        except OSError as exc:
            raise InstallationError(self.zygote.failure() or f"the worker pool went away: {exc}") from None
        reply = self._hear(lambda m: "pid" in m, FORK_SECONDS)
        if reply is None:
            raise InstallationError(self.zygote.failure() or "the worker pool did not answer")
        return reply["pid"]

    def wait_exit(self, pid: int, timeout: float) -> int | None:
        """The worker's exit status (negative: a signal), or None if not heard in time."""
        if pid not in self.exits:
            self._hear(lambda m: m.get("exit") == pid, timeout)
        return self.exits.pop(pid, None)
