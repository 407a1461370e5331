"""What bench/gpu_check.sh's grades on a CUDA machine must show, checked: a table per
grade (test, score/max, the device it ran on) and the problems found.

    python bench/gpu_report.py OUT_DIR NAME=MS ...

OUT_DIR holds NAME.json (results.json) for each NAME; MS is how long its grade took, in
milliseconds. Exit status 1 when there is a problem. What each grade must show:

- every grade: it completed (no `extra_data.grader_error`: then `tests` is empty and
  nothing was scored, see autograder/grading/results.py `failed_results`); some test ran on cuda;
  no test that takes the `device` fixture (those with `extra_data.device`) ran elsewhere;
- `reference`: 100/100, every test passed, and test 5.1 trained on cuda;
- `numpy_inside_forward` (tests/submissions/device/): exactly tests 1.1 and 5.1 fail, each
  with the NumPy hint (hint_numpy_on_device for forward);
- any other NAME, a submission of tests/submissions/buggy/: it loses points somewhere, and
  only in tests whose tags meet the tags its `breaks:` header line names.
"""
import json
import re
import string
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _messages():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from autograder.common.messages import MESSAGES

    return MESSAGES


def trained_on(lang, device):
    """The start of test 5.1's summary for a run on device: "Trained on cuda for "."""
    template = _messages()["training_summary"][lang]
    out = ""
    for literal, field, _, _ in string.Formatter().parse(template):
        out += literal
        if field == "device":
            out += device
        elif field is not None:
            break
    return out


def numpy_hint(lang):
    return _messages()["hint_numpy_on_device"][lang].format(fn="forward")


def breaks(root, name):
    """The tags a buggy submission may cost (its `breaks:` line), or None without one."""
    path = Path(root) / "tests" / "submissions" / "buggy" / f"{name}.py"
    if not path.is_file():
        return None
    found = re.search(r"^breaks: (.+)$", path.read_text(encoding="utf-8"), re.M)
    return set(found.group(1).split(", ")) if found else None


def lost_points(t):
    return t["status"] != "passed" or t["score"] < t["max_score"]


def check(name, data, root=ROOT):
    """The problems of one grade (a results.json dict), each a sentence."""
    extra = data.get("extra_data") or {}
    if extra.get("grader_error"):
        return [f"the grader itself failed, nothing was scored: {extra['grader_error'].strip()}"]
    lang = extra.get("language", "en")
    tests = {t.get("number", t["name"]): t for t in data["tests"]}
    devices = {n: (t.get("extra_data") or {}).get("device") for n, t in tests.items()}
    failed = {n for n, t in tests.items() if lost_points(t)}
    problems = []
    if not tests:
        problems.append("results.json has no tests")
    elif "cuda" not in devices.values():
        problems.append("no test ran on cuda: the grader fell back to the CPU")
    elsewhere = sorted(n for n, d in devices.items() if d not in (None, "cuda"))
    if elsewhere:
        problems.append(f"tests that take the device fixture ran on {devices[elsewhere[0]]}, not cuda: "
                        f"{', '.join(elsewhere)}")
    if name == "reference":
        if data["score"] != 100 or failed:
            problems.append(f"the reference scores {data['score']:g}, not 100 (failed: {sorted(failed)})")
        if trained_on(lang, "cuda") not in tests.get("5.1", {}).get("output", ""):
            problems.append("test 5.1 did not train on cuda")
    elif name == "numpy_inside_forward":   # .numpy() fails on cuda only, with its hint
        if failed != {"1.1", "5.1"}:
            problems.append(f"expected exactly tests 1.1 and 5.1 to fail on cuda, failed: {sorted(failed)}")
        lacking = sorted(n for n in failed if numpy_hint(lang) not in tests[n].get("output", ""))
        if lacking:
            problems.append(f"failed tests without the NumPy hint: {', '.join(lacking)}")
    else:   # a buggy submission loses points only in the tests its header names
        allowed = breaks(root, name)
        if allowed is None:
            problems.append(f"tests/submissions/buggy/{name}.py has no `breaks:` line to check against")
        elif not failed:
            problems.append("the bug was not caught: every test passed")
        else:
            wrong = sorted(n for n in failed if not allowed & set(tests[n].get("tags", [])))
            if wrong:
                problems.append(f"tests outside {sorted(allowed)} lost points: {', '.join(wrong)}")
    return problems


def table(name, data, ms):
    """The lines printed for one grade."""
    seconds = f"in {int(ms) / 1000:.1f} s"
    error = (data.get("extra_data") or {}).get("grader_error")
    if error:
        return [f"{name}: the grader failed {seconds}:", *("  " + line for line in error.strip().splitlines())]
    total = sum(t["max_score"] for t in data["tests"])
    lines = [f"{name}: {data['score']:g}/{total:g} {seconds}"]
    for t in data["tests"]:
        device = (t.get("extra_data") or {}).get("device") or "cpu"
        status = "ok" if not lost_points(t) else "FAIL"
        lines.append(f"  {t.get('number', ''):4} {t['name'][:70]:70} {t['score']:>5g}/{t['max_score']:<3g} "
                     f"{device:4} {status}")
    return lines


def report(out_dir, times, root=ROOT):
    """times: {name: milliseconds}, in the order to print. Reads out_dir/<name>.json.
    Returns (lines, problems): the lines to print, and "name: problem" sentences."""
    lines, problems = [], []
    for name, ms in times.items():
        path = Path(out_dir) / f"{name}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            lines += ["", f"{name}: no results ({exc})"]
            problems.append(f"{name}: {path} could not be read ({exc}); see {name}.log")
            continue
        lines += ["", *table(name, data, ms)]
        problems += [f"{name}: {p}" for p in check(name, data, root)]
    return lines, problems


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if not args or any("=" not in a for a in args[1:]):
        print("usage: python bench/gpu_report.py OUT_DIR NAME=MS ...", file=sys.stderr)
        return 2
    times = dict(a.split("=", 1) for a in args[1:])
    lines, problems = report(args[0], times)
    for line in lines:
        print(line)
    print()
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
