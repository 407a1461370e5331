"""The pre-warmed worker pool: one process that has imported torch and the worker code,
and forks one sandboxed worker per submission. Never imports student code itself.

Started once per grading run by autograder/sandbox/pool.py (Zygote.start), as a fresh
interpreter (python -I) running as root with a scrubbed environment and one thread.
Usage: zygote.py [--class LAYERS] FD [FD ...], one control socket (AF_UNIX, SOCK_SEQPACKET)
per client. --class: it will fork many workers, so it does first what saves each of them
more than it costs once, and a single grade need not wait for: it loads all of torch's
compiler, works out the virtual GPU's shapes for LAYERS (JSON: [[rows, inputs, outputs,
dtype name], ...]; common/devices.py warm_up) and collects garbage before it freezes its
objects.

On a control socket a client sends {"uid", "gid", "rlimits", "memory_room", "oom_score_adj",
"nice", "env", "scratch", "target", "needs", "isolate", "disk_bytes", "disk_files", "confine"} with
three file descriptors attached (request, reply, output; SCM_RIGHTS). The zygote forks a
child that makes itself the kernel's first choice when memory runs out (oom_score_adj) and
yields a CPU to the grader when both want it ("nice"),
gives what it starts PID, network and mount namespaces of its own where the kernel allows
("isolate"; see isolate()), forks PID 1 of the new PID namespace, which forks the worker.
The worker drops to uid/gid with no supplementary groups, sets the limits (the address
space: at most what it maps already plus memory_room), scrubs its environment, and only
then runs worker/serve.py's serve(), which shuts the file system but for what Python needs,
its scratch folder and a few device files (worker/confine.py, "confine": {"read",
"write"}) and imports the student's file. The zygote answers {"pid"} at once and {"exit",
"status"} when that child ends (a negative status is a signal, as in subprocess). It
exits when every client has gone away.
CUDA is never initialised here: a child does that itself, lazily, if it uses the GPU.
"""
from __future__ import annotations

import array
import gc
import json
import os
import resource
import select
import signal
import socket
import sys
from typing import TYPE_CHECKING

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import confine  # noqa: E402  (worker/confine.py)
import serve  # noqa: E402  (worker/serve.py: wire, guard and serve, next to this file)

if TYPE_CHECKING:
    import ctypes
    from typing import Any, NoReturn

MAX_MESSAGE = 1 << 16


def receive(sock: socket.socket) -> tuple[dict[str, Any] | None, list[int]]:
    """(spec dict, [fds]) or (None, []) when the client has gone."""
    fds = array.array("i")
    data, ancillary, _, _ = sock.recvmsg(MAX_MESSAGE, socket.CMSG_SPACE(3 * fds.itemsize))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    return (json.loads(data) if data else None), list(fds)


def send(sock: socket.socket, message: dict[str, int]) -> None:
    try:
        sock.send(json.dumps(message).encode())
    except OSError:   # the client is gone; its children are reaped all the same
        pass


def mapped_bytes() -> int:
    """This process's address space (VmSize), in bytes."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x20000000, 0x40000000
MS_REC, MS_PRIVATE, MS_NOSUID, MS_NODEV = 0x4000, 0x40000, 0x2, 0x4
PR_SET_PDEATHSIG = 1
_libc = None


def libc() -> ctypes.CDLL:
    global _libc
    if _libc is None:
        import ctypes

        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def isolate(spec: dict[str, Any]) -> list[str]:
    """As root, in the forked child: namespaces of its own for what it starts. Returns
    the names of those that held ("pid", "net", "mount"); a kernel or container that
    refuses them (Docker without CAP_SYS_ADMIN) leaves the list short, never fails.
    pid: the worker is PID 1's child in a fresh PID namespace, and when PID 1 ends the
    kernel kills everything in it, whatever its session, process group or threads.
    net: only a loopback interface that is down: no TCP, no UDP, and abstract unix
    sockets are private to the namespace. mount: a private, size-limited tmpfs over the
    scratch folder and over /dev/shm, gone with the namespace; and a /proc of its own
    (private_proc, "proc"), so it sees no other process of the machine."""
    if not spec.get("isolate"):
        return []
    held = []
    for flags, names in ((CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS, ["pid", "net", "mount"]),
                         (CLONE_NEWPID, ["pid"]), (CLONE_NEWNET, ["net"]), (CLONE_NEWNS, ["mount"])):
        if set(names) & set(held):
            continue
        if libc().unshare(flags) == 0:
            held += names
    if "mount" in held and not private_mounts(spec):
        held.remove("mount")
    return held


def _mount(source, target, kind, flags, options):
    return libc().mount(source, target.encode(), kind, flags, options.encode() if options else None) == 0


def private_mounts(spec: dict[str, Any]) -> bool:
    """In the new mount namespace: the scratch folder (with the student's file) and /dev/shm on
    tmpfs of their own, size-limited, seen by this worker alone. True if both held."""
    if not _mount(None, "/", None, MS_REC | MS_PRIVATE, None):
        return False
    target, scratch = spec["target"], spec["scratch"]
    with open(target, "rb") as f:
        source = f.read()
    owner = f",uid={spec['uid']},gid={spec['gid']}" if spec.get("uid") is not None else ""
    size = f"size={spec['disk_bytes']},nr_inodes={spec['disk_files']}"
    if not _mount(b"tmpfs", scratch, b"tmpfs", MS_NOSUID | MS_NODEV, f"{size},mode=0700{owner}"):
        return False
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, source)
    if spec.get("uid") is not None:
        os.fchown(fd, spec["uid"], spec["gid"])
    os.close(fd)
    shm = "/dev/shm"   # CUDA may want it; 16 MB, since what a tmpfs holds is the machine's memory
    if os.path.isdir(shm) and _mount(b"tmpfs", shm, b"tmpfs", MS_NOSUID | MS_NODEV, "size=16m,nr_inodes=100,mode=1777"):
        spec["confine"]["write"].append(shm)
    return True


MS_NOEXEC = 0x8


def private_proc(held: list[str]) -> bool:
    """As root, in the worker's own mount namespace, just before dropping to its account:
    a /proc of its own, with hidepid=invisible (hidepid=2 on kernels before 5.8), so the
    worker lists only its own processes. In a PID namespace of its own (held "pid") that
    is the worker and what it starts; without one, the processes of its account. Never
    outside a private mount namespace, where it would change the machine's /proc."""
    if "mount" not in held:
        return False
    flags = MS_NOSUID | MS_NODEV | MS_NOEXEC
    return any(_mount(b"proc", "/proc", b"proc", flags, option) for option in ("hidepid=invisible", "hidepid=2"))


def mirror(status: int) -> NoReturn:
    """End this process the way a child ended (its raw wait status)."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        try:
            signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError):   # SIGKILL and SIGSTOP have no handler to reset
            pass
        os.kill(os.getpid(), sig)
        os._exit(128 + sig)   # a signal that does not kill (it never gets here for SIGKILL)
    os._exit(os.WEXITSTATUS(status))


def child(spec: dict[str, Any], fds: list[int]) -> NoReturn:
    """In the forked child (A, root): isolate what it starts in namespaces, then either
    become the worker itself (no PID namespace) or fork PID 1 of the new namespace (B),
    which forks the worker (C) and ends, ending everything in the namespace, when C ends.
    A mirrors how C ended, so the trusted side sees the worker's own exit status."""
    status = 70
    try:
        request_r, reply_w, output_w = fds
        os.setsid()   # A, and B forked from it, share a process group: killpg(A) ends B too
        os.dup2(output_w, 1)
        os.dup2(output_w, 2)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        keep = {0, 1, 2, request_r, reply_w}
        for fd in map(int, os.listdir("/proc/self/fd")):
            if fd not in keep:
                try:
                    os.close(fd)
                except OSError:
                    pass
        os.chdir(spec["scratch"])
        if spec.get("oom_score_adj") is not None:   # raising it needs no privilege
            with open("/proc/self/oom_score_adj", "w") as f:
                f.write(str(spec["oom_score_adj"]))
        if spec.get("nice"):   # nor does lowering one's own priority
            os.nice(spec["nice"])
        held = isolate(spec)
        os.chdir(spec["scratch"])   # the tmpfs mounted over it, if any
        if "pid" not in held:
            worker(spec, request_r, reply_w, held)
        told_r, told_w = os.pipe()   # B tells A how C ended
        life_r, life_w = os.pipe()   # A holds life_w: B sees EOF if A is gone
        b = os.fork()
        if b == 0:
            os.close(told_r)
            os.close(life_w)
            init(spec, request_r, reply_w, held, told_w, life_r)
        for fd in (0, 1, 2, request_r, reply_w, told_w, life_r):
            os.close(fd)
        _, b_status = os.waitpid(b, 0)
        told = os.read(told_r, 16)
        mirror(int(told) if told else b_status)
    finally:
        os._exit(status)


def init(spec: dict[str, Any], request_r: int, reply_w: int, held: list[str], told_w: int, life_r: int) -> NoReturn:
    """B: PID 1 of the worker's PID namespace (root, runs no student code). Forks the
    worker, reaps whatever is re-parented to it, and when the worker ends tells A how
    and exits: the kernel then kills every process left in the namespace."""
    status = 70
    try:
        libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if select.select([life_r], [], [], 0)[0]:   # A died before the line above
            os._exit(status)
        c = os.fork()
        if c == 0:
            for fd in (told_w, life_r):
                os.close(fd)
            worker(spec, request_r, reply_w, held)
        for fd in (0, 1, 2, request_r, reply_w):
            os.close(fd)
        while True:
            pid, wait_status = os.wait()
            if pid == c:
                os.write(told_w, str(wait_status).encode())
                status = 0
                break
    finally:
        os._exit(status)


def worker(spec: dict[str, Any], request_r: int, reply_w: int, held: list[str]) -> NoReturn:
    """C: drop to the worker account, set the limits, serve; never returns."""
    status = 70
    try:
        if private_proc(held):
            held = [*held, "proc"]
        if spec.get("uid") is not None:
            os.setgroups([])
            os.setgid(spec["gid"])
            os.setuid(spec["uid"])
        for name, soft, hard in spec["rlimits"]:
            if name == "RLIMIT_AS" and spec.get("memory_room") is not None:
                # what this fork of the zygote already maps, plus what the machine has left
                soft = hard = min(soft, mapped_bytes() + spec["memory_room"])
            resource.setrlimit(getattr(resource, name), (soft, hard))
        os.environ.clear()
        os.environ.update(spec["env"])
        fence = spec.get("confine")
        serve.serve(request_r, reply_w, spec["target"], spec.get("needs", ()),
                   lambda: (confine.confine(fence["read"], fence["write"]) if fence else []) + confine.no_sockets(),
                   held, spec.get("contract", {}))
        status = 0
    finally:
        os._exit(status)


def run(controls: list[socket.socket]) -> None:
    owner = {}   # pid -> the control socket that asked for it
    # A child's end wakes the loop at once (SIGCHLD writes to a pipe), so the client hears
    # of it without delay; the timeout is only a safety net.
    wake_r, wake_w = os.pipe()
    for fd in (wake_r, wake_w):
        os.set_blocking(fd, False)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    while controls:
        ready, _, _ = select.select([*controls, wake_r], [], [], 1.0)
        if wake_r in ready:
            ready.remove(wake_r)
            try:
                while os.read(wake_r, 512):
                    pass
            except BlockingIOError:
                pass
        for sock in ready:
            try:
                spec, fds = receive(sock)
            except (OSError, ValueError):
                spec, fds = None, []
            if spec is None:
                controls.remove(sock)
                sock.close()
                continue
            pid = os.fork()
            if pid == 0:
                signal.set_wakeup_fd(-1)   # the pipe is the zygote's, and closed below
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                child(spec, fds)
            for fd in fds:
                os.close(fd)
            owner[pid] = sock
            send(sock, {"pid": pid})
        while True:   # reap children, and orphans that were re-parented to us
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            sock = owner.pop(pid, None)
            if sock is not None and sock in controls:
                code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
                send(sock, {"exit": pid, "status": code})


def become_subreaper() -> None:
    """Orphans of the workers (double forks, setsid) come back to us to be reaped."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)   # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


if __name__ == "__main__":
    import torch

    torch.set_num_threads(1)
    args = sys.argv[1:]
    many = "--class" in args
    layers = []
    if many:
        at = args.index("--class")
        layers, args = json.loads(args[at + 1]), args[:at] + args[at + 2:]
    # the virtual GPU's first use imports seconds of torch: once, here
    serve.devices.warm_up(whole_compiler=many, layers=layers)
    # Every object made so far is left out of garbage collection from now on, in the
    # workers too: a collection there would otherwise write to each of them, copying
    # most of the memory they share with us (gc.freeze's documented use before fork).
    # For a class, collected first, which saves it more than the 60 ms it costs.
    if many:
        gc.collect()
    gc.freeze()
    controls = [socket.socket(fileno=int(fd)) for fd in args]
    threads = len(os.listdir("/proc/self/task"))
    become_subreaper()
    for sock in controls:   # tell each client we are warm (and whether forking is safe)
        send(sock, {"zygote": os.getpid(), "threads": threads})
    run(controls)
    os._exit(0)   # at once: nothing to flush, and tearing down torch's modules takes seconds
