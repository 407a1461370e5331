"""What bench/gpu_check.sh's grades on a CUDA machine must show, checked: a table per
grade (test, score/max, the device it ran on) and the problems found.

    python bench/gpu_report.py OUT_DIR NAME=MS ...

OUT_DIR holds NAME.json (results.json) for each NAME; MS is how long its grade took, in
milliseconds. Exit status 1 when there is a problem. What each grade must show:

- every grade: it completed (no `extra_data.grader_error`: then `tests` is empty and
  nothing was scored, see autograder/grading/results.py `failed_results`); the four
  device tests (1.4, 2.6, 3.8, 4.3) and the training on a GPU (5.2), which take the `gpu`
  fixture, ran on "cuda", the real GPU, and not on "virtual", the fake tensors the grader
  uses without one; no other test records a device (they all run on the CPU);
- `reference`: 5.2 says it trained on cuda;
- `reference`: 100/100, every test passed;
- a submission of tests/submissions/device/ (NAME.py there): the tests that lose points
  are exactly those of its `fails:` header line, and each failed device test carries the
  hint of its `hint:` line (hint_<id>, for the function of the test's tag; 5.2's is the
  function of the device test that failed beside it);
- any other NAME, a submission of tests/submissions/buggy/: it loses points somewhere, and
  only in tests whose tags meet the tags its `breaks:` header line names.
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRAINING_ON_GPU = "5.2"
DEVICE_TESTS = ("1.4", "2.6", "3.8", "4.3", TRAINING_ON_GPU)
FUNCTION = {"loss": "bce_loss"}   # a test's tag -> the function it grades, where they differ


def _messages():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from autograder.common.messages import MESSAGES

    return MESSAGES


def hint_text(hint, tag, lang):
    """The text of hint_<hint> for the function of a test tagged tag."""
    return _messages()[f"hint_{hint}"][lang].format(fn=FUNCTION.get(tag, tag))


def _header(path, key):
    """The value of a `key: ...` line of a submission's docstring, or None."""
    found = re.search(rf"^{key}: (.+)$", path.read_text(encoding="utf-8"), re.M)
    return found.group(1).strip() if found else None


def breaks(root, name):
    """The tags a buggy submission may cost (its `breaks:` line), or None without one."""
    path = Path(root) / "tests" / "submissions" / "buggy" / f"{name}.py"
    line = _header(path, "breaks") if path.is_file() else None
    return set(line.split(", ")) if line else None


def device_header(root, name):
    """(fails, hint) of a device submission: the tests that must lose points (its `fails:`
    line, None without one) and its hint id (`hint:`, None for "none" or without one);
    None when tests/submissions/device/NAME.py is not there."""
    path = Path(root) / "tests" / "submissions" / "device" / f"{name}.py"
    if not path.is_file():
        return None
    fails, hint = _header(path, "fails"), _header(path, "hint")
    if fails is not None:
        fails = set() if fails == "none" else set(fails.split(", "))
    return fails, (None if hint in (None, "none") else hint)


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
        if "virtual" in devices.values():
            problems.append("no test ran on cuda: the device tests ran on the virtual GPU, "
                            "so torch could not use the GPU")
        else:
            problems.append("no test ran on cuda")
    for device in sorted({d for d in devices.values() if d not in (None, "cuda")}):
        on = [n for n, d in devices.items() if d == device]
        problems.append(f"tests ran on {device}, not cuda: {', '.join(on)}")
    if tests:
        unrecorded = [n for n in DEVICE_TESTS if devices.get(n) is None]
        if unrecorded:
            problems.append(f"device tests missing or without a device: {', '.join(unrecorded)}")
    others = [n for n, d in devices.items() if d is not None and n not in DEVICE_TESTS]
    if others:
        problems.append(f"tests other than the device tests recorded a device (they must run on "
                        f"the CPU): {', '.join(others)}")
    header = device_header(root, name)
    if name == "reference":
        if data["score"] != 100 or failed:
            problems.append(f"the reference scores {data['score']:g}, not 100 (failed: {sorted(failed)})")
        if TRAINING_ON_GPU in tests and "Trained on cuda" not in tests[TRAINING_ON_GPU].get("output", ""):
            problems.append(f"{TRAINING_ON_GPU} does not say it trained on cuda")
    elif header is not None:   # a device submission: exactly its `fails:` tests, with its hint
        fails, hint = header
        if fails is None:
            problems.append(f"tests/submissions/device/{name}.py has no `fails:` line to check against")
        elif failed != fails:
            problems.append(f"expected exactly {sorted(fails) or 'no test'} to fail, failed: {sorted(failed)}")
        if hint is not None:
            # the function whose device test failed: 5.2 (tagged training) names it too
            tag = next(((tests[n].get("tags") or [""])[0] for n in DEVICE_TESTS
                        if n in failed and n != TRAINING_ON_GPU), "")
            lacking = [n for n in DEVICE_TESTS if n in failed
                       and hint_text(hint, tag, lang) not in tests[n].get("output", "")]
            if lacking:
                problems.append(f"failed device tests without the hint {hint}: {', '.join(lacking)}")
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
                     f"{device:7} {status}")
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
