"""Benchmark: how much a writer as fast as this machine allows gets onto the disk before the
grader stops it, where the scratch folder is no tmpfs of its own (Docker's default
confinement refuses mounts), with the grader's own measure (autograder/sandbox/disk.py).

Each writer is a separate process, as a worker is, with the worker's limit on one file
(RLIMIT_FSIZE = file_mb) and priority (handle.WORKER_NICE). It makes new files and fills
each in as few write() calls as it can (--chunk-mb per call), from one or more threads,
until it is killed. The grader's side
is the loop that handle.Worker runs while it waits for a reply: select() on the scratch
folder's inotify descriptor (and a poll), measure with the writer stopped, SIGKILL beyond
disk_mb. What the folder
holds after the kill is what the writer got onto the disk.

    .venv/bin/python bench/disk_bound.py [--runs 5] [--threads 1 4 16] [--chunk-mb 4 1]
         [--poll-only]

--poll-only: measure on the poll alone, as before the grader watched the folder.
Prints, per writer, the most it wrote in --runs runs, over the limit of disk_mb.
"""
import argparse
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograder import config  # noqa: E402
from autograder.sandbox import disk  # noqa: E402
from autograder.sandbox.handle import WORKER_NICE  # noqa: E402

WRITER = """
import os, sys, threading
chunk, threads = int(sys.argv[1]), int(sys.argv[2])
block = b"x" * chunk
def fill(k):
    i = 0
    while True:
        try:
            fd = os.open(f"w{k}-{i}.bin", os.O_WRONLY | os.O_CREAT, 0o600)
            while True:
                os.write(fd, block)
        except OSError:   # EFBIG: the file is as large as a file may be; on to the next
            pass
        i += 1
for k in range(threads - 1):
    threading.Thread(target=fill, args=(k,), daemon=True).start()
fill(threads - 1)
"""


def held(folder):
    """Bytes the folder's files hold, in blocks."""
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                pass
    return total


def one_run(limits, chunk, threads):
    """(MB held after the kill, seconds the writer ran)."""
    folder = tempfile.mkdtemp(prefix="bench-disk-")
    bound = disk.DiskBound(folder, limits.disk_bytes, limits.disk_files)
    file_bytes = limits.file_bytes

    def limit_files():
        os.nice(WORKER_NICE)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))

    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(chunk), str(threads)], cwd=folder,
                            preexec_fn=limit_files, start_new_session=True)
    bound.group = proc.pid
    try:
        while not bound.over():
            select.select(bound.fds(), [], [], bound.wait_seconds())
            if proc.poll() is not None:
                raise RuntimeError(f"the writer ended by itself (status {proc.returncode})")
        proc.kill()
        seconds = time.monotonic() - start
        proc.wait()
        return held(folder) / 2**20, seconds
    finally:
        proc.kill()
        bound.close()
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--chunk-mb", type=float, nargs="+", default=[4, 1])
    parser.add_argument("--poll-only", action="store_true")
    args = parser.parse_args()
    if args.poll_only:
        disk.INotify = None
    limits = config.load()["limits"]
    print(f"limit: {limits.disk_bytes >> 20} MB in all, {limits.file_bytes >> 20} MB a file; "
          f"{os.cpu_count()} cores; {'poll only' if args.poll_only else 'inotify and poll'} "
          f"(every {disk.POLL_SECONDS} s)")
    for threads in args.threads:
        for chunk_mb in args.chunk_mb:
            runs = [one_run(limits, int(chunk_mb * 2**20), threads) for _ in range(args.runs)]
            most = max(mb for mb, _ in runs)
            print(f"  {threads:2d} thread(s), {chunk_mb:g} MB a write: at most {most:.1f} MB on disk "
                  f"({most - (limits.disk_bytes >> 20):+.1f} MB over the limit) in {args.runs} runs; "
                  f"stopped after {max(s for _, s in runs):.2f} s at most")


if __name__ == "__main__":
    main()
