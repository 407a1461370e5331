"""Benchmark: the full mutation audit (`python -m autograder audit`, every mutant).

tests/test_audit.py grades a fixed sample of the mutants (--sample), to stay near a minute;
this runs them all, as an instructor does after changing a grading test, and prints its
figures: mutants, wrong ones killed, survivors, equivalent ones losing points (false
fails) and the seconds it took. Exits with the audit's status (1: a survivor or a false
fail). As root, so that student code runs as the worker accounts.

    .venv/bin/python bench/audit.py [--jobs 2] [--function bce_loss ...]
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--function", action="append", default=[])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        out = Path(tmp) / "audit.json"
        cmd = [sys.executable, "-m", "autograder", "audit", "--jobs", str(args.jobs), "--json", str(out)]
        for fn in args.function:
            cmd += ["--function", fn]
        start = time.monotonic()
        proc = subprocess.run(cmd, cwd=ROOT)
        seconds = time.monotonic() - start
        if proc.returncode not in (0, 1):
            print(f"bench/audit.py: the audit failed (exit {proc.returncode})", file=sys.stderr)
            return proc.returncode
        report = json.loads(out.read_text())
    rows = report["functions"].values()
    print(f"mutants: {sum(r['mutants'] for r in rows)} "
          f"(wrong {sum(r['wrong'] for r in rows)}, equivalent {sum(r['equivalent'] for r in rows)})")
    print(f"killed: {sum(r['killed'] for r in rows)} of {sum(r['wrong'] for r in rows)} wrong")
    print(f"survivors: {len(report['survivors'])}")
    print(f"equivalents losing points: {len(report['false_fails'])}")
    print(f"seconds: {seconds:.1f} (--jobs {args.jobs})")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
