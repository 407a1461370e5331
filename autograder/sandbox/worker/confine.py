"""Landlock: after this, the worker reads only what Python and torch need, and writes
only its scratch folder (and the few device files it must open for writing). Another
the student's file, another session's results, the instructor's files, /dev/shm and /tmp:
out of reach, whatever their permissions say. Where the kernel has them, it also may
not open TCP connections or listen (Landlock ABI 4), nor reach an abstract unix socket
or signal a process outside its own domain (ABI 6): the fallback where the worker has no
network namespace of its own.

Landlock is an unprivileged Linux security module (Linux 5.13+). Where the kernel lacks
it, or a container's seccomp profile refuses its system calls, confine() returns [] and
the worker relies on its account and on file permissions alone.
"""
from __future__ import annotations

import ctypes
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

_CREATE, _ADD_RULE, _RESTRICT = 444, 445, 446   # the same numbers on x86_64 and arm64
_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
ALL_V1 = (1 << 13) - 1        # every file system right of Landlock's first version
REFER, TRUNCATE = 1 << 13, 1 << 14
READ = EXECUTE | READ_FILE | READ_DIR
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE   # the only rights a file (not a folder) takes
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1                # ABI 4: handled, with no rule, means denied
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1      # ABI 6


class _Ruleset(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def abi() -> int:
    """The kernel's Landlock version, or 0 without it."""
    libc = ctypes.CDLL(None, use_errno=True)
    version = libc.syscall(_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(0, version)


def confine(read: Iterable[str], write: Iterable[str]) -> list[str]:
    """Allow reading (and executing) below the paths in read, everything below the paths
    in write, nothing else; no TCP and no foreign abstract sockets or signals where the
    kernel can refuse them. Returns what held, a list drawn from "files", "tcp",
    "abstract_unix", "signals"; [] when the process is not confined."""
    version = abi()
    if version < 1:
        return []
    libc = ctypes.CDLL(None, use_errno=True)
    handled = ALL_V1 | (REFER if version >= 2 else 0) | (TRUNCATE if version >= 3 else 0)
    attr = _Ruleset(handled, NET_BIND_TCP | NET_CONNECT_TCP if version >= 4 else 0,
                    SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if version >= 6 else 0)
    # The kernel reads as much of the structure as this version knows: 8, 16 or 24 bytes.
    size = 24 if version >= 6 else 16 if version >= 4 else 8
    ruleset = libc.syscall(_CREATE, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return []
    try:
        for paths, rights in ((read, READ), (write, handled)):
            for path in paths:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue   # not on this machine
                allowed = rights & handled if os.path.isdir(path) else rights & handled & FILE_RIGHTS
                rule = _PathBeneath(allowed, fd)
                libc.syscall(_ADD_RULE, ruleset, ctypes.c_int(_PATH_BENEATH), ctypes.byref(rule), ctypes.c_uint32(0))
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return []
        if libc.syscall(_RESTRICT, ruleset, ctypes.c_uint32(0)) != 0:
            return []
        return ["files"] + (["tcp"] if version >= 4 else []) + (["abstract_unix", "signals"] if version >= 6 else [])
    finally:
        os.close(ruleset)


# -- no sockets: a seccomp filter the worker installs on itself --------------------
# Where there is no network namespace (Docker's default confinement, Gradescope) and no
# Landlock ABI 4/6, a worker could reach 127.0.0.1 or an abstract unix socket. The worker
# needs no socket at all (it talks over pipes), so it refuses itself socket(): any family,
# TCP, UDP, unix, netlink, packet. An unprivileged process may do this once NO_NEW_PRIVS
# is set, and it holds in every process it starts. Installed everywhere, namespaces or
# not, so a submission behaves the same on every machine.
_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
_ARCH = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}   # AUDIT_ARCH_*, __NR_socket
_LD_ABS, _JEQ, _JGE, _RET = 0x20, 0x15, 0x35, 0x06                  # BPF_LD|W|ABS, JMP|JEQ|K, JMP|JGE|K, RET|K
_ALLOW, _DENY = 0x7FFF0000, 0x00050000 | 13                           # SECCOMP_RET_ALLOW, RET_ERRNO(EACCES)


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def no_sockets() -> list[str]:
    """Refuse socket() to this process and all it starts (EACCES), and every call of a
    foreign system call ABI (x32, 32-bit), which could reach socket() another way.
    Returns ["sockets"] if the filter holds, [] where the kernel refuses it."""
    arch = _ARCH.get(os.uname().machine)
    if arch is None:
        return []
    audit_arch, nr_socket = arch
    program = [
        (_LD_ABS, 0, 0, 4),               # 0: the call's architecture
        (_JEQ, 0, 4, audit_arch),         # 1: not ours -> 6
        (_LD_ABS, 0, 0, 0),               # 2: the call's number
        (_JGE, 2, 0, 0x40000000),         # 3: x32 numbers -> 6
        (_JEQ, 1, 0, nr_socket),          # 4: socket() -> 6
        (_RET, 0, 0, _ALLOW),             # 5
        (_RET, 0, 0, _DENY),              # 6
    ]
    filters = (_Filter * len(program))(*[_Filter(*step) for step in program])
    prog = _Program(len(program), filters)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return []
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        return []
    return ["sockets"]
