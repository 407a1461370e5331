"""Benchmark of the audit itself: does it see the numerics of a softmax? (issue 35)

In a clone of this checkout's last commit, makes a softmax regression assignment with
`python -m autograder new softmax --reference bench/softmax/softmax.py` (scores,
cross_entropy with class indices, grads), gives its audit large-logit inputs
(bench/softmax/mutants.py) and a 5-point large-logit test of cross_entropy
(bench/softmax/test_large_logits.py), then audits cross_entropy twice:

- WEAK: the test only shifts every logit by 1000. A row's mean, or the batch's max,
  subtracted instead of each row's max keeps full marks: the audit must name them.
- STRONG: the test also has rows of mixed sign with a spread within a row, and a row far
  below the others: no survivor.

    .venv/bin/python bench/audit_softmax.py      # as root, like every audit; about 2 minutes
"""
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent / "softmax"


def run(clone, *args):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=clone, check=True,
                          capture_output=True, text=True)


def main():
    work = Path(tempfile.mkdtemp(prefix="audit-softmax-"))
    work.chmod(0o755)
    try:
        clone = work / "repo"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        run(clone, "new", "softmax", "--reference", str(HERE / "softmax.py"))
        folder = clone / "assignments" / "softmax"
        shutil.copy(HERE / "mutants.py", folder / "mutants.py")
        with open(folder / "contract.py", "a") as f:   # the large-logit test's 5 points come from 2.2
            f.write('SPEC["cross_entropy"]["points"]["values"] -= 5\n')
        test = (HERE / "test_large_logits.py").read_text()
        for label, strong in (("WEAK", False), ("STRONG", True)):
            (folder / "tests" / "test_2_large_logits.py").write_text(
                re.sub(r"^STRONG = .*$", f"STRONG = {strong}", test, flags=re.M))
            out = work / f"{label}.json"
            done = subprocess.run([sys.executable, "-m", "autograder", "audit", "--assignment", "softmax",
                                   "--function", "cross_entropy", "--jobs", "2", "--json", str(out)],
                                  cwd=clone, capture_output=True, text=True)
            report = json.loads(out.read_text())
            row = report["functions"]["cross_entropy"]
            print(f"{label}: {row['mutants']} mutants of cross_entropy, {row['wrong']} wrong, "
                  f"{len(report['survivors'])} survivors, {len(report['false_fails'])} false fails "
                  f"(audit exit status {done.returncode})")
            for m in report["survivors"]:
                print(f"  {m['id']}: {m['before']}  ->  {m['after']}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
