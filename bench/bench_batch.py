"""Benchmark: grading a class with `python -m autograder grade-all`.

Builds a class of --size submissions from the correct and buggy test submissions (and the
reference), cycling through them, then times `grade-all --jobs N` from the command's
start to its end and samples the memory of every process it runs (the grader, its jobs,
the zygote and the workers) every 50 ms, in a second run (sampling slows the run it
watches). Prints submissions per second (target: at least
3 with 2 jobs on 2 cores) and the peak memory: resident (RSS, where pages that forked
processes share are counted in each) and proportional (PSS, shared pages divided among
the processes that share them; target: under 1.5 GB).

    .venv/bin/python bench/bench_batch.py [--size 120] [--jobs 2]
"""
import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "tests" / "submissions"


def descendants(root):
    parents = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    parents[int(pid)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(p for p, parent in parents.items() if parent == pid)
    return found


def memory_kb(pids):
    rss = pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=120)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    pool = [ROOT / "reference" / "mlp.py"] + sorted((SUBMISSIONS / "correct").glob("*.py")) \
        + sorted((SUBMISSIONS / "buggy").glob("*.py"))
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        folder = work / "class"
        folder.mkdir()
        for i, path in zip(range(args.size), itertools.cycle(pool)):
            shutil.copy(path, folder / f"s{i:04d}_{path.stem}.py")
        def run(out, sample):
            """Seconds grade-all takes, and the peak (RSS, PSS) in kB when sampled."""
            cmd = [sys.executable, "-m", "autograder", "grade-all", str(folder), "--out", str(out),
                   "--jobs", str(args.jobs), "--seed", "1"]
            peak = [0, 0]
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            done = threading.Event()

            def watch():
                while not done.is_set():
                    rss, pss = memory_kb(descendants(proc.pid))
                    peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
                    time.sleep(0.05)

            watcher = threading.Thread(target=watch)
            if sample:
                watcher.start()
            code = proc.wait()
            seconds = time.perf_counter() - start
            done.set()
            if sample:
                watcher.join()
            return seconds, code, peak

        # Timed alone: reading every process's memory map costs a core of its own.
        seconds, code, _ = run(work / "out", sample=False)
        graded = len(list((work / "out" / "results").glob("*.json")))
        _, _, peak = run(work / "out2", sample=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"grade-all, {args.jobs} jobs, {os.cpu_count()} cores: {graded} of {args.size} submissions "
          f"in {seconds:.1f} s (exit status {code})")
    print(f"  {graded / seconds:.2f} submissions per second (target: at least 3 with 2 jobs on 2 cores)")
    print(f"  peak memory of all its processes: {peak[1] / 1024:.0f} MB proportional (PSS), "
          f"{peak[0] / 1024:.0f} MB resident counting shared pages in each (RSS); target 1.5 GB")


if __name__ == "__main__":
    main()
