"""The pre-warmed worker pool: one process that has imported torch and the worker code,
and forks one sandboxed worker per submission. Never imports student code itself.

Started once per grading run by autograder/sandbox.py (Zygote.start), as a fresh
interpreter (python -I) running as root with a scrubbed environment and one thread.
Usage: zygote.py FD [FD ...], one control socket (AF_UNIX, SOCK_SEQPACKET) per client.

On a control socket a client sends {"uid", "gid", "rlimits", "memory_room", "oom_score_adj",
"env", "scratch", "target", "needs", "confine"} with three file descriptors attached
(request, reply, output; SCM_RIGHTS). The zygote forks a child that makes itself the
kernel's first choice when memory runs out (oom_score_adj), drops to uid/gid with no
supplementary groups, sets the limits (the address space: at most what it maps already
plus memory_room), scrubs its environment, moves to its scratch folder, points fds 1 and 2
at the output pipe, and only then runs worker/main.py's serve(), which shuts the file
system but for what Python needs and its scratch folder (worker/confine.py, "confine":
{"read", "write"}) and imports mlp.py. The zygote answers {"pid"} at once and {"exit",
"status"} when that child ends (a negative status is a signal, as in subprocess). It
exits when every client has gone away.
CUDA is never initialised here: a child does that itself, lazily, if it uses the GPU.
"""
import array
import json
import os
import resource
import select
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import confine  # noqa: E402  (worker/confine.py)
import main  # noqa: E402  (worker/main.py: wire, guard and serve, next to this file)

MAX_MESSAGE = 1 << 16


def receive(sock):
    """(spec dict, [fds]) or (None, []) when the client has gone."""
    fds = array.array("i")
    data, ancillary, _, _ = sock.recvmsg(MAX_MESSAGE, socket.CMSG_SPACE(3 * fds.itemsize))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    return (json.loads(data) if data else None), list(fds)


def send(sock, message):
    try:
        sock.send(json.dumps(message).encode())
    except OSError:   # the client is gone; its children are reaped all the same
        pass


def mapped_bytes():
    """This process's address space (VmSize), in bytes."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def child(spec, fds):
    """In the forked child: become the sandboxed worker, serve, never return."""
    status = 70
    try:
        request_r, reply_w, output_w = fds
        os.setsid()
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
        main.serve(request_r, reply_w, spec["target"], spec.get("needs", ()),
                   (lambda: confine.confine(fence["read"], fence["write"])) if fence else None)
        status = 0
    finally:
        os._exit(status)


def run(controls):
    owner = {}   # pid -> the control socket that asked for it
    while controls:
        ready, _, _ = select.select(controls, [], [], 0.05)
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


def become_subreaper():
    """Orphans of the workers (double forks, setsid) come back to us to be reaped."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)   # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


if __name__ == "__main__":
    import torch

    torch.set_num_threads(1)
    controls = [socket.socket(fileno=int(fd)) for fd in sys.argv[1:]]
    threads = len(os.listdir("/proc/self/task"))
    become_subreaper()
    for sock in controls:   # tell each client we are warm (and whether forking is safe)
        send(sock, {"zygote": os.getpid(), "threads": threads})
    run(controls)
