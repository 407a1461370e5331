"""Check that a change grades as before: the whole collection of test submissions
(tests/submissions/**, Task 1's reference and starter) is graded with
`grade-all --seed 1` by an earlier commit (a temporary clone) and by this working tree,
and every results.json is compared field by field. Fields that measure time
(execution_time) or name the grader's code (extra_data.fingerprint) are left out, and
object addresses in the reprs a student's code makes (0x7f...) are not compared.

    .venv/bin/python bench/compare_results.py [--before REV] [--jobs 2] [--keep DIR] [--skip-tests 5.1 5.2]

--before defaults to the commit where this branch left main (git merge-base HEAD main).
Exit status 0 when every result is the same, 1 otherwise (the differences are printed).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from autograder.assignment import load  # noqa: E402  (where the engine keeps each assignment's files)

TASK1 = load("task1")
IGNORED = {"execution_time", "fingerprint"}
ADDRESS = re.compile(r"0x[0-9a-f]{6,}")   # an object's address in a repr the student's code made


def collection(folder):
    """Copy every test submission into folder as <kind>_<stem>.py (names are unique; the
    reference and the starter are reference_mlp and starter_mlp wherever they lie)."""
    named = {f"{p.parent.name}_{p.stem}": p for p in sorted((ROOT / "tests" / "submissions").rglob("*.py"))}
    named.update({f"reference_{TASK1.module}": TASK1.reference, f"starter_{TASK1.module}": TASK1.starter_file})
    for name, p in named.items():
        shutil.copyfile(p, folder / f"{name}.py")
    return len(named)


def without(data, numbers):
    """A results dict less the tests numbered in numbers, their points taken off its score."""
    if not numbers:
        return data
    dropped = [t for t in data.get("tests", []) if t.get("number") in numbers]
    return {**data, "score": data["score"] - sum(t["score"] for t in dropped),
            "tests": [t for t in data.get("tests", []) if t.get("number") not in numbers]}


def grade(repo, folder, out, jobs):
    """grade-all with repo's code; returns (seconds, {name: results dict})."""
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "autograder", "grade-all", str(folder), "--out", str(out), "--jobs", str(jobs),
           "--seed", "1", "--force"]
    proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 2):
        sys.exit(f"{' '.join(cmd)} (in {repo}) failed with status {proc.returncode}:\n{proc.stderr[-3000:]}")
    return seconds, {p.stem: json.loads(p.read_text()) for p in sorted((Path(out) / "results").glob("*.json"))}


def differences(a, b, where=""):
    """[text] for every field where a and b differ, IGNORED keys left out."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k in IGNORED:
                continue
            if k not in a or k not in b:
                out.append(f"{where}.{k}: only in {'after' if k not in a else 'before'}")
            else:
                out += differences(a[k], b[k], f"{where}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} entries before, {len(b)} after"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}[{i}]")]
    if isinstance(a, str) and isinstance(b, str):
        a, b = ADDRESS.sub("0x…", a), ADDRESS.sub("0x…", b)
    if a != b:
        return [f"{where}: {str(a)[:300]!r} before, {str(b)[:300]!r} after"]
    return []


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", help="the commit to compare with (default: git merge-base HEAD main)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", help="keep the class and both outputs in this folder")
    parser.add_argument("--reuse", action="store_true", help="with --keep: grade only this tree, comparing with "
                                                              "the earlier commit's results kept there")
    parser.add_argument("--skip-tests", nargs="*", default=[], metavar="NUMBER",
                        help="leave these tests out on both sides (a change that adds or reweighs them), "
                             "their points taken off the score")
    args = parser.parse_args()
    rev = args.before or subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True,
                                        text=True, check=True).stdout.strip()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="compare-"))
    work.mkdir(parents=True, exist_ok=True)
    os.chmod(work, 0o755)   # the worker accounts run the clone's worker code
    try:
        folder = work / "class"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        count = collection(folder)
        kept = work / "out-before" / "results"
        if args.reuse and args.keep and kept.is_dir():
            t_before, before = 0.0, {p.stem: json.loads(p.read_text()) for p in sorted(kept.glob("*.json"))}
        else:
            clone = work / "before"
            shutil.rmtree(clone, ignore_errors=True)
            shutil.rmtree(work / "out-before", ignore_errors=True)
            subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(clone)], check=True)
            subprocess.run(["git", "checkout", "--quiet", rev], cwd=clone, check=True)
            t_before, before = grade(clone, folder, work / "out-before", args.jobs)
        shutil.rmtree(work / "out-after", ignore_errors=True)
        t_after, after = grade(ROOT, folder, work / "out-after", args.jobs)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{count} submissions; before ({rev[:10]}): {len(before)} results in {t_before:.1f} s; "
          f"after (this tree): {len(after)} results in {t_after:.1f} s")
    skip = set(args.skip_tests)
    before = {name: without(data, skip) for name, data in before.items()}
    after = {name: without(data, skip) for name, data in after.items()}
    different = 0
    for name in sorted(set(before) | set(after)):
        if name not in before or name not in after:
            print(f"{name}: only {'after' if name not in before else 'before'}")
            different += 1
            continue
        found = differences(before[name], after[name])
        if found:
            different += 1
            print(f"{name}: {len(found)} fields differ")
            for d in found[:10]:
                print(f"  {d}")
    same = len(set(before) & set(after)) - sum(1 for n in set(before) & set(after)
                                                 if differences(before[n], after[n]))
    print(f"the same field by field: {same} of {max(len(before), len(after))}; different: {different}"
          + (f" (tests {', '.join(sorted(skip))} left out)" if skip else ""))
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
