"""Benchmark: grading a class with `python -m autograder grade-all`.

Builds a class of --size submissions with bench_scale.py's generator (by default 70%
correct, 25% buggy, 5% hostile, each file unique; the hostile submissions that run to
their time limits are left out, as there), then times `grade-all --jobs N` from the
command's start to its end, and reads from /proc/stat how busy the machine's cores were
meanwhile (on a quiet machine: the run's own CPU, workers and zygote included). Then
samples the memory of every process it runs (the grader, its jobs, the zygote and the
workers) every 50 ms, in a second run (sampling slows the run it watches).

Prints submissions per second (target: at least 5 with 2 jobs on 2 cores), where the time
goes (start-up before the first grade; per kind, the mean time of one grade; the CPU
seconds per submission and the cores kept busy) and the peak memory: resident (RSS, where
pages that forked processes share are counted in each) and proportional (PSS, shared
pages divided among the processes that share them; target: under 1.5 GB).

    .venv/bin/python bench/bench_batch.py [--size 200] [--jobs 2]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import descendants, memory_kb  # noqa: E402


def cpu_ticks():
    """Jiffies the machine's CPUs spent busy (user, nice, system, irq, softirq), and the
    clock's ticks per second."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:8]]
    return fields[0] + fields[1] + fields[2] + fields[5] + fields[6], os.sysconf("SC_CLK_TCK")


def main():
    from bench_scale import generate

    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--correct", type=float, default=0.70)
    parser.add_argument("--buggy", type=float, default=0.25)
    parser.add_argument("--hostile", type=float, default=0.05)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        folder = work / "class"
        folder.mkdir()
        made = generate(folder, args.size, {"correct": args.correct, "buggy": args.buggy, "hostile": args.hostile})
        kinds = {name: kind for name, kind, _ in made}

        def run(out, sample):
            """Seconds grade-all takes, its exit status, the peak (RSS, PSS) in kB when
            sampled, and the CPU seconds the machine spent meanwhile."""
            cmd = [sys.executable, "-m", "autograder", "grade-all", str(folder), "--out", str(out),
                   "--jobs", str(args.jobs), "--seed", "1"]
            peak = [0, 0]
            busy, hz = cpu_ticks()
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
            cpu = (cpu_ticks()[0] - busy) / hz
            done.set()
            if sample:
                watcher.join()
            return seconds, code, peak, cpu, time.time() - seconds

        # Timed alone: reading every process's memory map costs a core of its own.
        seconds, code, _, cpu, began = run(work / "out", sample=False)
        results = {p.stem: json.loads(p.read_text()) for p in (work / "out" / "results").glob("*.json")}
        first = min(((work / "out" / "results" / f"{n}.json").stat().st_mtime - r.get("execution_time", 0)
                     for n, r in results.items()), default=began) - began
        _, _, peak, _, _ = run(work / "out2", sample=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    graded = len(results)
    print(f"grade-all, {args.jobs} jobs, {os.cpu_count()} cores: {graded} of {args.size} submissions "
          f"in {seconds:.1f} s (exit status {code})")
    print(f"  {graded / seconds:.2f} submissions per second from the command's start (target: at least 5 "
          "with 2 jobs on 2 cores)")
    print("  where the time goes:")
    print(f"    start-up (interpreter, torch in two processes, reading the class) until the first grade began: "
          f"{first:.1f} s")
    for kind in ("correct", "buggy", "hostile"):
        times = [r.get("execution_time", 0) for n, r in results.items() if kinds.get(n) == kind]
        if times:
            print(f"    one {kind} submission: {sum(times) / len(times):.2f} s on average ({len(times)} graded)")
    print(f"    CPU: {cpu / max(graded, 1):.2f} s per submission, all processes of the machine together; "
          f"{cpu / seconds:.2f} of {os.cpu_count()} cores busy on average (a quiet machine: all of it the run's)")
    print(f"  peak memory of all its processes: {peak[1] / 1024:.0f} MB proportional (PSS), "
          f"{peak[0] / 1024:.0f} MB resident counting shared pages in each (RSS); target 1.5 GB")


if __name__ == "__main__":
    main()
