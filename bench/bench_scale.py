"""Benchmark: a large class (10,000 submissions) graded in parts, the way the tasks of a
Slurm array would grade it on N nodes, and what that says about N nodes.

1. Generates the class in a temporary folder: --size files sNNNNN_<kind>_<stem>.py, a fixed
   mix (default 70% correct, 25% buggy, 5% hostile) drawn with a fixed seed from
   tests/submissions/correct/ and reference/mlp.py (kind correct), tests/submissions/buggy/
   (buggy) and tests/submissions/hostile/ (hostile). Within a kind the files are used in
   turn (in an order drawn once), so each appears about equally often. Every file starts
   with a comment line of its own, so that no two share a fingerprint, as in a real class.
2. Grades it in --parts parts one after another, each with
   `python -m autograder grade-all CLASS --out DIR --jobs J --seed 1 --shard K/N` (every
   part writes to the same DIR), then `python -m autograder merge DIR --out DIR`. Each
   command is timed from its start to its end: interpreter start-up and torch included.
3. Samples the memory (RSS and PSS) of each command's whole process tree once a second:
   reading the memory map of every process 20 times a second, as bench_batch.py does,
   would cost a run of hours a core of its own (a peak shorter than a second can be missed).
4. Prints, per part: submissions, seconds, submissions per second, peak memory; then the
   totals; where the time goes (per kind, the mean and longest `execution_time` of a grade,
   read from results/<name>.json; per part, the fixed cost: start-up before its first grade
   and the writing of its manifest after its last); whether every submission has a result
   and how many are grader errors; and the estimated time on 1 to 32 nodes.

Three hostile submissions are left out of the mix unless --with-slow-hostile is given:
infinite_loop and print_flood (forward never returns: every call of it runs to the call
limit, about 50 s a grade, and the busy loop takes a core from the other job meanwhile)
and slow_request_reader (the training test's request waits out the call limit: about 10 s).
Each costs 10 to 100 ordinary grades, so 5% hostile drawn from all 23 would put about 65
of them in 10,000 and add about 20 minutes to a run of under an hour: the figure would
measure the time limits, not the grader. They are in the project's tests; their cost per
grade, measured here, is printed in the "not in the mix" line.

    .venv/bin/python bench/bench_scale.py --size 10000 --jobs 2 --parts 4
    .venv/bin/python bench/bench_scale.py --size 120 --parts 3 --keep /tmp/scale   # a quick look
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import descendants, memory_kb  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from autograder.assignment import load  # noqa: E402  (where the engine keeps each assignment's files)
from autograder.classroom.batch import shard_of  # noqa: E402  (the partition the parts use; no torch)

TASK1 = load("task1")

SUBMISSIONS = ROOT / "tests" / "submissions"
SEED = 1   # the class drawn, and the run's --seed: the same class and grades every time
KINDS = ("correct", "buggy", "hostile")
# Seconds one grade of each takes (execution_time in results.json), measured on the 2-core
# development machine in a grade-all at --jobs 2 (2026-12-01).
SLOW_HOSTILE = {"infinite_loop": 51, "print_flood": 51, "slow_request_reader": 10}
NODES = (1, 2, 4, 8, 16, 32)


def pools(with_slow=False):
    """{kind: [paths]}: the test submissions each kind is drawn from, sorted."""
    hostile = sorted((SUBMISSIONS / "hostile").glob("*.py"))
    return {"correct": [TASK1.reference]
            + sorted((SUBMISSIONS / "correct").glob("*.py")),
            "buggy": sorted((SUBMISSIONS / "buggy").glob("*.py")),
            "hostile": [p for p in hostile if with_slow or p.stem not in SLOW_HOSTILE]}


def counts(size, mix):
    """How many of each kind: size split by the fractions in mix (largest remainders
    rounded up), so the mix is exact whatever the size."""
    total = sum(mix.values())
    exact = {k: size * mix[k] / total for k in KINDS}
    n = {k: int(exact[k]) for k in KINDS}
    for k in sorted(KINDS, key=lambda k: n[k] - exact[k])[:size - sum(n.values())]:
        n[k] += 1
    return n


def generate(folder, size, mix, with_slow=False, seed=SEED):
    """Write the class into folder; returns [(name, kind, stem)] in name order. The same
    arguments give the same files, byte for byte."""
    source = pools(with_slow)
    n = counts(size, mix)
    rng = random.Random(seed)
    order = [k for k in KINDS for _ in range(n[k])]
    rng.shuffle(order)
    for kind in KINDS:   # in a small class, a sample of each kind rather than the first files by name
        rng.shuffle(source[kind])
    used = dict.fromkeys(KINDS, 0)
    made = []
    for i, kind in enumerate(order):
        path = source[kind][used[kind] % len(source[kind])]
        used[kind] += 1
        stem = "reference" if path == TASK1.reference else path.stem
        text = path.read_text().replace("__REFERENCE_PATH__", str(TASK1.reference))
        name = f"s{i:05d}_{kind}_{stem}"
        (folder / f"{name}.py").write_text(f"# submission {i} of a generated class: {kind}/{stem}\n" + text)
        made.append((name, kind, stem))
    return made


def timed(cmd, log, interval):
    """Run cmd (output to log); returns (start, end) wall-clock times, its exit status and
    its tree's peak (RSS, PSS) in kB, sampled every interval seconds."""
    peak = [0, 0]
    done = threading.Event()
    start = time.time()
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)

        def watch():
            while True:
                rss, pss = memory_kb(descendants(proc.pid))
                peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
                if done.wait(interval):
                    return

        watcher = threading.Thread(target=watch)
        watcher.start()
        code = proc.wait()
        end = time.time()
        done.set()
        watcher.join()
    return start, end, code, peak


def tail(path, lines=15):
    return "".join(Path(path).read_text(errors="replace").splitlines(True)[-lines:])


def mb(kb):
    return f"{kb / 1024:.0f} MB"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10000, help="submissions in the class")
    parser.add_argument("--jobs", type=int, default=2, help="grade-all --jobs of each part")
    parser.add_argument("--parts", type=int, default=4, help="parts (array tasks), graded one after another")
    parser.add_argument("--correct", type=float, default=0.70, help="fraction of correct submissions")
    parser.add_argument("--buggy", type=float, default=0.25, help="fraction of buggy ones")
    parser.add_argument("--hostile", type=float, default=0.05, help="fraction of hostile ones")
    parser.add_argument("--with-slow-hostile", action="store_true",
                        help=f"draw hostile ones from all of them, {', '.join(SLOW_HOSTILE)} included")
    parser.add_argument("--sample", type=float, default=1.0, help="seconds between memory samples")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR (new or empty) and keep the class and results")
    args = parser.parse_args()
    mix = {"correct": args.correct, "buggy": args.buggy, "hostile": args.hostile}
    if args.keep:
        work = Path(args.keep)
        if work.exists() and any(work.iterdir()):
            parser.error(f"--keep {work}: not empty (old results would be reused, not regraded)")
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        report(args, mix, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def report(args, mix, work):
    folder, out, logs = work / "class", work / "out", work / "logs"
    for d in (folder, logs):
        d.mkdir()
    made = generate(folder, args.size, mix, args.with_slow_hostile)
    n = counts(args.size, mix)
    source = pools(args.with_slow_hostile)
    print(f"class: {args.size} submissions in {folder}: " + ", ".join(
        f"{n[k]} {k} (from {len(source[k])} files)" for k in KINDS) + f"; seed {SEED}")
    slow = ", ".join(f"{s} ({c} s a grade)" for s, c in SLOW_HOSTILE.items())
    if args.with_slow_hostile:
        print(f"in the mix (--with-slow-hostile): {slow}")
    else:
        share = n["hostile"] / (len(source["hostile"]) + len(SLOW_HOSTILE))
        extra = share * sum(SLOW_HOSTILE.values()) / args.jobs
        print(f"not in the mix (they run to their time limits; --with-slow-hostile adds them): {slow}; "
              f"drawn like the other hostile files they would add about {extra:.0f} s to this run")
    print(f"grading in {args.parts} parts one after another, each: grade-all --jobs {args.jobs} --seed {SEED} "
          f"--shard K/{args.parts}, on {os.cpu_count()} cores; memory sampled every {args.sample:g} s")
    print()

    kind_of = {name: kind for name, kind, _ in made}
    stem_of = {name: stem for name, _, stem in made}
    parts = []
    print(f"load average before: {os.getloadavg()[0]:.2f} (other work on the machine slows every figure)")
    print(f"{'part':>6} {'subs':>6} {'seconds':>8} {'subs/s':>7} {'start-up':>9} {'after last':>11} "
          f"{'peak PSS':>9} {'peak RSS':>9}  exit")
    for k in range(args.parts):
        mine = [name for name in kind_of if shard_of(name, args.parts) == k]
        cmd = [sys.executable, "-m", "autograder", "grade-all", str(folder), "--out", str(out),
               "--jobs", str(args.jobs), "--seed", str(SEED), "--shard", f"{k}/{args.parts}"]
        start, end, code, peak = timed(cmd, logs / f"part-{k}.log", args.sample)
        # A grade's file is written when it ends and renamed whole, so its mtime is the
        # grade's end: the first one, less its own execution_time, is when grading began.
        done = [(p.stat().st_mtime, json.loads(p.read_text())) for p in
                (out / "results" / f"{name}.json" for name in mine) if p.exists()]
        if done:
            first = min(done, key=lambda d: d[0])
            head = max(0.0, first[0] - first[1]["execution_time"] - start)
            end_cost = max(0.0, end - max(m for m, _ in done))
        else:
            head, end_cost = end - start, 0.0
        parts.append({"subs": len(mine), "graded": len(done), "start": start, "end": end, "code": code,
                      "peak": peak, "head": head, "tail": end_cost})
        seconds = end - start
        print(f"{k}/{args.parts:<4} {len(mine):>6} {seconds:>8.1f} {len(mine) / seconds:>7.2f} {head:>8.1f}s "
              f"{end_cost:>10.1f}s {mb(peak[1]):>9} {mb(peak[0]):>9}  {code}")
        if code != 0:
            print(f"  part {k} exited with {code}; the end of its output ({logs / f'part-{k}.log'}):")
            print("    " + tail(logs / f"part-{k}.log").replace("\n", "\n    "))
    start, end, code, peak = timed([sys.executable, "-m", "autograder", "merge", str(out), "--out", str(out)],
                                   logs / "merge.log", args.sample)
    merge = end - start
    print(f"{'merge':>6} {args.size:>6} {merge:>8.1f} {'':>7} {'':>9} {'':>11} "
          f"{mb(peak[1]):>9} {mb(peak[0]):>9}  {code}")
    if code != 0:
        print("    " + tail(logs / "merge.log").replace("\n", "\n    "))

    first, last = parts[0]["start"], parts[-1]["end"]
    print()
    print(f"total: {args.size} submissions, {last - first:.1f} s for the parts "
          f"({args.size / (last - first):.2f} a second), {end - first:.1f} s with the merge "
          f"({args.size / (end - first):.2f} a second)")
    print(f"peak memory of one part (all its processes): {mb(max(p['peak'][1] for p in parts))} proportional (PSS), "
          f"{mb(max(p['peak'][0] for p in parts))} resident counting shared pages in each (RSS)")
    print("  (PSS is what the machine holds. RSS counts a page shared by forked processes once in each: the "
          "zygote's forks share torch, and fork_bomb's 128 processes count it 128 times)")
    if any(stem == "memory_creep" for _, _, stem in made):
        print("  (memory_creep is in the class: its worker keeps up to 2.5 GB, under the worker's limit, so the "
              "peak is set by it rather than by the grader; a sample a second can miss its peak)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")

    # What every submission got, from the merged results/.
    results = {}
    for name in kind_of:
        path = out / "results" / f"{name}.json"
        if path.exists():
            results[name] = json.loads(path.read_text())
    missing = [name for name in kind_of if name not in results]
    errors = [name for name, data in results.items() if data["extra_data"].get("grader_error")]
    rows = max(0, len((out / "grades.csv").read_text(encoding="utf-8-sig").splitlines()) - 1) \
        if (out / "grades.csv").exists() else 0
    print(f"results: {len(results)} of {args.size} submissions have one ({rows} rows in grades.csv); "
          f"grader errors: {len(errors)}")
    for name in missing[:20]:
        print(f"  no result: {name}")
    for name in errors[:20]:
        print(f"  grader error: {name}: {results[name]['extra_data']['grader_error'].splitlines()[0]}")

    print()
    print("where the time goes: one grade (execution_time in results/<name>.json), by kind")
    groups = {k: [n for n in results if kind_of[n] == k and stem_of[n] not in SLOW_HOSTILE] for k in KINDS}
    if args.with_slow_hostile:
        groups["hostile, slow"] = [n for n in results if stem_of[n] in SLOW_HOSTILE]
    for label, names in groups.items():
        if not names:
            continue
        times = [results[n]["execution_time"] for n in names]
        slowest = max(names, key=lambda n: results[n]["execution_time"])
        print(f"  {label:<14} {len(names):>6} graded, mean {statistics.mean(times):5.2f} s, "
              f"longest {max(times):6.2f} s ({stem_of[slowest]}), "
              f"mean score {statistics.mean(results[n]['score'] for n in names):5.1f}")
    cost = {}
    for name, data in results.items():
        cost.setdefault(stem_of[name], []).append(data["execution_time"])
    top = sorted(cost.items(), key=lambda c: -sum(c[1]))[:3]
    print("  most time in all: " + "; ".join(f"{stem} ({len(t)} x {statistics.mean(t):.2f} s = {sum(t):.0f} s)"
                                           for stem, t in top))
    work_s = sum(r["execution_time"] for r in results.values())
    graded = sum(p["graded"] for p in parts)
    grading = sum(p["end"] - p["start"] - p["head"] - p["tail"] for p in parts)
    fixed = statistics.mean(p["head"] + p["tail"] for p in parts)
    per_node = graded / grading if grading > 0 else 0.0
    busy = work_s / (args.jobs * grading) * 100 if grading > 0 else 0
    print(f"  all grades together: {work_s:.0f} s of job time; the {args.jobs} jobs spent {busy:.0f}% "
          "of the grading time inside a grade (the rest: handing out tasks and writing results between grades, "
          "and one job idle while the other ends a part's last grade)")
    print(f"  fixed cost of a part: {fixed:.1f} s on average (start-up before its first grade: "
          f"{statistics.mean(p['head'] for p in parts):.1f} s; after its last: "
          f"{statistics.mean(p['tail'] for p in parts):.1f} s); merge {merge:.1f} s")
    print(f"  grading itself: {per_node:.2f} submissions a second on this machine ({graded} in {grading:.1f} s)")

    print()
    print(f"estimated time for these {args.size} submissions on N nodes = fixed cost of a part + "
          f"{args.size} / (N x {per_node:.2f} a second) + merge:")
    print("  " + "   ".join(f"N={nodes}: {fmt(fixed + args.size / (nodes * per_node) + merge)}"
                            for nodes in NODES) if per_node else "  (nothing was graded)")
    print(f"  assumes each node is this machine ({os.cpu_count()} cores, --jobs {args.jobs}), every node "
          "reads and writes one shared folder as fast as a local disk, the parts are balanced by the name "
          "hash, and every task starts at once (no queueing)")


def fmt(seconds):
    return f"{seconds / 60:.1f} min" if seconds >= 600 else f"{seconds:.0f} s"


if __name__ == "__main__":
    main()
