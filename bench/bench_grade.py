"""Benchmark: grading one correct submission end to end, against `import torch`.

Prints the median wall time of `python -c "import torch"` and of
`python -m autograder grade reference/mlp.py`, their ratio (target: at most 2), and the
peak resident memory of all grader processes together (target: under 700 MB),
sampled every 20 ms over the whole process tree, the sandboxed worker included.

    .venv/bin/python bench/bench_grade.py [--runs 5]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tree_rss_kb(root_pid):
    """Sum of VmRSS over root_pid and all its descendants."""
    parents, rss = {}, {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        parents[int(pid)] = int(fields["PPid"])
        rss[int(pid)] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(p for p, parent in parents.items() if parent == pid)
    return total


def timed(cmd, sample=False):
    peak = 0
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = threading.Event()

    def watch():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kb(proc.pid))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    if sample:
        watcher.start()
    code = proc.wait()
    elapsed = time.perf_counter() - start
    done.set()
    if code:
        sys.exit(f"{cmd} failed with status {code}")
    return elapsed, peak / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--submission", default=str(ROOT / "reference" / "mlp.py"))
    args = parser.parse_args()
    out = os.path.join(tempfile.mkdtemp(), "results.json")
    torch_times, grade_times, peaks = [], [], []
    for _ in range(args.runs):
        torch_times.append(timed([sys.executable, "-c", "import torch"])[0])
        elapsed, peak = timed([sys.executable, "-m", "autograder", "grade", args.submission, "--out", out],
                              sample=True)
        grade_times.append(elapsed)
        peaks.append(peak)
    t, g = statistics.median(torch_times), statistics.median(grade_times)
    print(f"import torch:          median {t:.2f} s over {args.runs} runs")
    print(f"grade one submission:  median {g:.2f} s  ({g / t:.2f}x import torch; target <= 2x)")
    print(f"peak resident memory:  {max(peaks):.0f} MB for all grader processes (target < 700 MB)")


if __name__ == "__main__":
    main()
