"""How much memory the machine we grade on has: the memory limit of this process's
control group (cgroup v2, or v1's memory controller), what is already used in it, and
how many processes the kernel has killed in it for lack of memory.

On Gradescope the container is the limit (768 MB by default), far below the worker's own
address-space limit; the sandbox uses this to give a worker only what is left, and to tell
a student whose worker the kernel killed that it ran out of memory.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

UNLIMITED = 1 << 60   # cgroup v1 writes "no limit" as a number near 2**63


@dataclass
class Memory:
    limit: int       # bytes the control group may use
    used: int        # bytes the kernel cannot take back: anonymous memory and tmpfs, not
                     # the page cache (the libraries torch maps are evicted under pressure)
    oom_kills: int   # processes the kernel has killed in it for lack of memory, so far


def _read(path):
    try:
        with open(path, encoding="ascii") as f:
            return f.read()
    except OSError:
        return None


def _fields(text):
    """'key value' lines (memory.stat, memory.events, memory.oom_control) as a dict."""
    out = {}
    for line in (text or "").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            out[parts[0]] = int(parts[1])
    return out


def _folders(mount, path):
    """The group's folder and its parents up to the mount, deepest first. Inside a
    container the path /proc names may not exist under the mount (its root is already
    the container's group): then the mount itself is the group."""
    here = os.path.join(mount, path.lstrip("/"))
    if not os.path.isdir(here):
        return [mount]
    out = [here]
    while os.path.abspath(here) != os.path.abspath(mount):
        here = os.path.dirname(here)
        out.append(here)
    return out


def memory(root: str = "/") -> Memory | None:
    """Memory of this process's control group, or None when it has no limit we can read."""
    groups = {}
    for line in (_read(os.path.join(root, "proc/self/cgroup")) or "").splitlines():
        number, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if number == "0" and not controllers:
            groups["v2"] = path
        elif "memory" in controllers.split(","):
            groups["v1"] = path
    cgroup = os.path.join(root, "sys/fs/cgroup")
    if "v1" in groups and os.path.exists(os.path.join(cgroup, "memory", "memory.limit_in_bytes")):
        folders = _folders(os.path.join(cgroup, "memory"), groups["v1"])
        limits = [_read(os.path.join(f, "memory.limit_in_bytes")) for f in folders]
        stat = _fields(_read(os.path.join(folders[0], "memory.stat")))
        used = stat.get("total_rss", stat.get("rss")), stat.get("total_shmem", stat.get("shmem", 0))
        kills = _fields(_read(os.path.join(folders[0], "memory.oom_control"))).get("oom_kill", 0)
    elif "v2" in groups:
        mount = next((m for m in (cgroup, os.path.join(cgroup, "unified"))
                      if os.path.exists(os.path.join(m, "cgroup.controllers"))), None)
        if mount is None:
            return None
        folders = _folders(mount, groups["v2"])
        limits = [_read(os.path.join(f, "memory.max")) for f in folders]
        stat = _fields(_read(os.path.join(folders[0], "memory.stat")))
        used = stat.get("anon"), stat.get("shmem", 0)
        kills = _fields(_read(os.path.join(folders[0], "memory.events"))).get("oom_kill", 0)
    else:
        return None
    numbers = [int(t) for t in (s.strip() for s in limits if s) if t.isdigit()]
    limit = min(numbers, default=UNLIMITED)
    if limit >= UNLIMITED or used[0] is None:
        return None
    return Memory(limit=limit, used=sum(used), oom_kills=kills)


FULL_FRACTION = 0.95   # used at or above this share of the limit: the machine's memory is full


def out_of_memory(before: Memory | None, now: Memory | None) -> int | None:
    """The limit in MB if, between the readings before and now, the kernel killed a
    process for lack of memory, or memory is now full (the kernel is then reclaiming
    pages, and a call that runs out of time was starved of memory, not looping); else None."""
    if before is None or now is None:
        return None
    if now.oom_kills > before.oom_kills or now.used >= FULL_FRACTION * now.limit:
        return now.limit >> 20
    return None
