"""Run a command confined the way Docker confines a container by default, to try the
grader's fallbacks here: root, but without CAP_SYS_ADMIN, under a seccomp filter shaped
like Docker's default profile for such a container.

    /usr/bin/python3 tests/docker_like.py [--no-landlock] -- CMD ...

The filter (default: allow) refuses unshare, setns, mount, umount2 and pivot_root with
EPERM, clone with any CLONE_NEW* flag with EPERM (one rule per flag), and answers clone3
with ENOSYS so that libc falls back to clone. --no-landlock also answers the three
landlock_* calls with ENOSYS: an older kernel, or a profile without them. The filter is
loaded while CAP_SYS_ADMIN is still held (so no NO_NEW_PRIVS is needed, as with Docker);
then CAP_SYS_ADMIN leaves the bounding, ambient, inheritable, permitted and effective
sets, and CMD is exec'd: it and everything it starts inherit both.

Needs root and Debian's python3-seccomp (`apt-get install python3-seccomp`), so run it
with the system /usr/bin/python3. See /work/shared/platform-notes.md, "Docker's
confinement, reproduced here".
"""
import ctypes
import errno
import os
import sys

import seccomp

CAP_SYS_ADMIN = 21
PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER = 24, 47, 4
# The namespace flags of clone(2). CLONE_NEWTIME (0x80) is not among them: in clone's
# flags that bit is part of the exit signal; it exists only for clone3 and unshare.
CLONE_NEW = {"CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000, "CLONE_NEWUTS": 0x04000000,
             "CLONE_NEWIPC": 0x08000000, "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000,
             "CLONE_NEWNET": 0x40000000}
# Docker's own mask for clone's flags (2114060288) is these seven together.
assert sum(CLONE_NEW.values()) == 0x7E020000


def build(landlock: bool) -> seccomp.SyscallFilter:
    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    f.set_attr(seccomp.Attr.CTL_NNP, 0)   # Docker does not set NO_NEW_PRIVS by default
    for name in ("unshare", "setns", "mount", "umount2", "pivot_root"):
        f.add_rule(seccomp.ERRNO(errno.EPERM), name)
    for flag in CLONE_NEW.values():   # x86_64 and arm64 alike: the flags are clone's first argument
        f.add_rule(seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    f.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    if not landlock:
        for name in ("landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"):
            f.add_rule(seccomp.ERRNO(errno.ENOSYS), name)
    return f


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_sys_admin() -> None:
    """CAP_SYS_ADMIN out of every capability set of this process, for good."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN)")
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_SYS_ADMIN, 0, 0)   # fails harmlessly if unsupported
    header, data = _CapHeader(0x20080522, 0), (_CapData * 2)()   # _LINUX_CAPABILITY_VERSION_3
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    bit = ~(1 << CAP_SYS_ADMIN) & 0xFFFFFFFF   # capability 21 is in the first 32-bit word
    data[0].effective &= bit
    data[0].permitted &= bit
    data[0].inheritable &= bit
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def main(argv: list[str]) -> int:
    landlock = True
    if argv and argv[0] == "--no-landlock":
        landlock, argv = False, argv[1:]
    if not argv or argv[0] != "--" or len(argv) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("docker_like.py: run it as root (it drops CAP_SYS_ADMIN from root)", file=sys.stderr)
        return 2
    cmd = argv[1:]
    build(landlock).load()
    drop_sys_admin()
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
