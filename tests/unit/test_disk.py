"""The scratch folder's bound where no tmpfs of its own holds it (autograder/sandbox/disk.py):
what it counts, and that a change wakes the grader at once instead of at the next poll.
The figures of a writer as fast as the machine allows: bench/disk_bound.py."""
import os
import select

import pytest

from autograder.sandbox import disk

MB = 1 << 20


def write(path, mb):
    with open(path, "wb") as f:
        f.write(b"x" * (mb * MB))


def test_usage_counts_blocks_and_entries(tmp_path):
    write(tmp_path / "a.bin", 3)
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "b.bin", 2)
    with open(tmp_path / "sparse.bin", "wb") as f:   # holds nothing: costs nothing
        f.truncate(100 * MB)
    assert not disk.usage_over(str(tmp_path), 6 * MB, 10)
    assert disk.usage_over(str(tmp_path), 4 * MB, 10)
    assert disk.usage_over(str(tmp_path), 6 * MB, 3)   # 4 entries: a.bin, sub, sub/b.bin, sparse.bin


def woken(bound, seconds=10.0):
    """What select() on the bound's descriptors says within seconds: True when woken."""
    ready, _, _ = select.select(bound.fds(), [], [], seconds)
    return bool(ready)


@pytest.fixture
def no_poll(monkeypatch):
    """No measuring on a timer: only a change reported by the kernel wakes the grader."""
    monkeypatch.setattr(disk, "POLL_SECONDS", 3600.0)


def test_a_write_wakes_the_grader_at_once(tmp_path, no_poll):
    bound = disk.DiskBound(str(tmp_path), 8 * MB, 100)
    try:
        assert not bound.over()
        write(tmp_path / "big.bin", 9)
        assert woken(bound), "writing 9 MB in the scratch folder did not wake the grader"
        assert bound.over(), "the grader was woken but did not find 9 MB over a limit of 8"
    finally:
        bound.close()


def test_folders_made_in_it_are_watched_too(tmp_path, no_poll):
    bound = disk.DiskBound(str(tmp_path), 8 * MB, 100)
    try:
        os.makedirs(tmp_path / "a" / "b" / "c")   # b and c may exist before a's watch does
        assert woken(bound)
        assert not bound.over()
        assert not woken(bound, 0)
        write(tmp_path / "a" / "b" / "c" / "deep.bin", 9)
        assert woken(bound), "writing in a folder three levels down did not wake the grader"
        assert bound.over()
    finally:
        bound.close()


def test_without_inotify_it_measures_each_time_it_is_asked(tmp_path, monkeypatch):
    monkeypatch.setattr(disk, "INotify", None)
    bound = disk.DiskBound(str(tmp_path), 8 * MB, 100)
    assert bound.fds() == []
    assert bound.wait_seconds() <= disk.POLL_SECONDS
    write(tmp_path / "big.bin", 9)
    assert bound.over()


def test_closing_it_releases_its_descriptor(tmp_path):
    """close() hands the closing to a thread (the kernel waits a grace period, about 10 ms,
    that the next grade need not wait), but the descriptor is closed all the same."""
    bound = disk.DiskBound(str(tmp_path), 8 * MB, 100)
    if not bound.fds():
        pytest.skip("no inotify here: nothing to close")
    (fd,) = bound.fds()
    bound.close()
    assert bound.fds() == []
    disk.wait_closed()
    with pytest.raises(OSError):
        os.fstat(fd)
