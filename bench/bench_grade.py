"""Benchmark: grading one correct submission end to end, against `import torch`.

Prints the median wall time of `python -c "import torch"`, of the same with the virtual
GPU's warm-up the zygote makes (common/devices.py warm_up), and of `python -m autograder
grade reference/task1/mlp.py` (the three alternate, run after run), what a grade adds to
each of the first two (target: at most 0.3 s on the second), and the peak memory of one
grade, measured in a run of its own (reading every process's memory map slows the run it
watches):

- PSS, proportional: over the grade's whole process tree (the grader, the zygote, the
  worker's three processes), every page counted once in all, its share divided among
  the processes that map it (/proc/PID/smaps_rollup), sampled every 20 ms;
- RSS, resident, the same processes summed: the pages torch's forks share are counted
  once per process (so five times over);
- as the cgroup sees it, where one can be made (root, cgroup v1 or v2): the run in a
  memory cgroup of its own, its peak as the kernel records it (memory.peak, or
  memory.max_usage_in_bytes in v1) and memory.current sampled every 20 ms. The page cache
  the run reads for the first time is charged to it; files already cached (torch's
  libraries, read by an earlier run) stay charged where they were first read.

    .venv/bin/python bench/bench_grade.py [--runs 5] [--submission PATH]
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
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
from autograder.assignment import load  # noqa: E402  (where the engine keeps each assignment's files)

TASK1 = load("task1")
from processes import descendants, memory_kb  # noqa: E402


def timed(cmd):
    start = time.perf_counter()
    code = subprocess.call(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if code:
        sys.exit(f"{cmd} failed with status {code}")
    return time.perf_counter() - start


def cgroup():
    """A way to make a memory cgroup (gradescope_container.py's), or None with the reason."""
    try:
        from gradescope_container import Refused, find_cgroups
        return find_cgroups("auto", None), None
    except Refused as exc:
        return None, str(exc)
    except Exception as exc:   # an odd mount: the figure is left out, the rest is measured
        return None, f"{type(exc).__name__}: {exc}"


def memory(cmd):
    """(peak PSS MB, peak RSS MB, cgroup peak MB or None, cgroup sampled MB or None, why no cgroup)."""
    cg, why = cgroup()
    procs = []
    if cg:
        cg.create(f"bench-grade-{os.getpid()}", 64 << 30, os.cpu_count() or 1)
        procs = [str(p) for p in cg.procs_files]

    def enter():   # in the child, before exec: all it starts is inside
        for p in procs:
            with open(p, "w") as f:
                f.write("0")

    peak = {"pss": 0, "rss": 0, "cg": 0}
    done = threading.Event()
    try:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                preexec_fn=enter if cg else None)

        def watch():
            while not done.is_set():
                rss, pss = memory_kb(descendants(proc.pid))
                peak["rss"], peak["pss"] = max(peak["rss"], rss), max(peak["pss"], pss)
                if cg:
                    peak["cg"] = max(peak["cg"], cg.current())
                done.wait(0.02)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        code = proc.wait()
        done.set()
        watcher.join()
        if code:
            sys.exit(f"{cmd} failed with status {code}")
        native = cg.figures()["peak_bytes"] if cg else None
    finally:
        done.set()
        if cg:
            cg.remove()
    mb = lambda b: b / 2**20 if b else None  # noqa: E731
    return peak["pss"] / 1024, peak["rss"] / 1024, mb(native), mb(peak["cg"]), why


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--submission", default=str(TASK1.reference))
    args = parser.parse_args()
    out = os.path.join(tempfile.mkdtemp(), "results.json")
    grade = [sys.executable, "-m", "autograder", "grade", args.submission, "--out", out]
    # import torch and the virtual GPU's warm-up as the zygote does it (common/devices.py)
    warm = [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT / 'autograder' / 'common')!r}); "
            "import torch, devices; devices.warm_up()"]
    torch_times, warm_times, grade_times = [], [], []
    load = os.getloadavg()
    for _ in range(args.runs):
        torch_times.append(timed([sys.executable, "-c", "import torch"]))
        warm_times.append(timed(warm))
        grade_times.append(timed(grade))
    pss, rss, cg_peak, cg_sampled, why = memory(grade)
    t, w, g = statistics.median(torch_times), statistics.median(warm_times), statistics.median(grade_times)
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; after: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" ({os.cpu_count()} cores)")
    print(f"import torch:                   median {t:.2f} s over {args.runs} runs (min {min(torch_times):.2f})")
    print(f"import torch + virtual GPU warm-up: median {w:.2f} s (min {min(warm_times):.2f})")
    print(f"grade one submission:           median {g:.2f} s (min {min(grade_times):.2f}); "
          f"{g - t:+.2f} s on import torch, {g - w:+.2f} s on it with the warm-up (target: at most +0.30 s)")
    print(f"peak memory of one grade: {pss:.0f} MB proportional (PSS, all its processes), "
          f"{rss:.0f} MB resident summed over them (RSS, shared pages once per process)")
    if cg_peak or cg_sampled:
        print(f"  as its cgroup sees it: peak {cg_peak:.0f} MB (the kernel's), {cg_sampled:.0f} MB sampled "
              "(memory.current)" if cg_peak else f"  as its cgroup sees it: {cg_sampled:.0f} MB sampled")
    else:
        print(f"  no cgroup figure: {why}")


if __name__ == "__main__":
    main()
