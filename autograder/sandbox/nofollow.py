"""A submission's files, read as root without ever following a link.

A student controls every name inside a submission: the file to grade may be a symbolic link to
the hidden reference or to a root-only file, and so may a folder on the way to it
(GitHub and Bitbucket submissions keep links; `unzip` makes them). The trusted side runs
as root, so it never opens a submission's file through a link: each folder is opened
with O_NOFOLLOW from the one above it, and the file itself too, so no check can be
raced between looking and opening.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC   # O_NONBLOCK: a FIFO never blocks us


class LinkError(OSError):
    """A component of a submission's path is a link (or not a regular file at the end)."""


def open_file(path: Path | str) -> int:
    """A read-only descriptor of the regular file at path (absolute, every folder of it
    already free of links: see find_submission, which resolves the instructor's part).
    Raises LinkError if any component is a link, or the end is not a regular file."""
    parts = Path(os.path.abspath(path)).parts
    fd = os.open("/", _DIR)
    try:
        for name in parts[1:-1]:
            try:
                next_fd = os.open(name, _DIR, dir_fd=fd)
            except OSError as exc:
                raise LinkError(f"{path}: {name} is a link or not a folder ({exc.strerror})") from None
            os.close(fd)
            fd = next_fd
        try:
            file_fd = os.open(parts[-1], _FILE, dir_fd=fd)
        except OSError as exc:
            raise LinkError(f"{path}: cannot be opened without following a link ({exc.strerror})") from None
    finally:
        os.close(fd)
    if not stat.S_ISREG(os.fstat(file_fd).st_mode):
        os.close(file_fd)
        raise LinkError(f"{path} is not a regular file")
    return file_fd


def read_bytes(path: Path | str, limit: int | None = None) -> bytes:
    """The content of the regular file at path, opened as open_file does; at most limit
    bytes when limit is given."""
    fd = open_file(path)
    with os.fdopen(fd, "rb") as f:
        return f.read() if limit is None else f.read(limit)


def size(path: Path | str) -> int:
    fd = open_file(path)
    try:
        return os.fstat(fd).st_size
    finally:
        os.close(fd)


def walk(root: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """Below root (a folder, not followed if it is a link: the caller checks): (regular
    files, links to files or to nothing, links to folders), each relative to root, sorted.
    No link is followed, so nothing behind one is listed."""
    files, file_links, folder_links = [], [], []
    for here, folders, names in os.walk(root, followlinks=False):
        rel = Path(here).relative_to(root)
        for name in folders:
            if os.path.islink(os.path.join(here, name)):
                folder_links.append(rel / name)
        for name in names:
            full = os.path.join(here, name)
            try:
                mode = os.lstat(full).st_mode
            except OSError:
                continue
            if stat.S_ISLNK(mode):
                file_links.append(rel / name)
            elif stat.S_ISREG(mode):
                files.append(rel / name)
    return sorted(files), sorted(file_links), sorted(folder_links)
