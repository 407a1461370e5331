"""`python -m autograder audit`: the mutation analysis finds no hole in this grader, and
finds them when a check is deliberately weakened."""
import functools
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
from conftest import ROOT, TASK1, needs_root

sys.path.insert(0, str(ROOT))
from autograder.assignment import current
from autograder.tools import audit  # noqa: E402


@functools.lru_cache(maxsize=1)
def mutants():
    return audit.make_mutants(current().reference.read_text())


def _mutant(fn, before, after):
    for m in mutants():
        if m["fn"] == fn and before in m["before"] and m["after"] == after:
            return m
    raise AssertionError(f"no mutant {before!r} -> {after!r} in {fn}")


def test_mutants_cover_every_function_and_compile():
    every = mutants()
    assert {m["fn"] for m in every} == set(TASK1.tags)
    assert len(every) > 150
    assert len({m["source"] for m in every}) == len(every)
    for m in every[:: max(1, len(every) // 20)]:
        audit.load_source(m["source"])


def test_equivalence_is_decided_on_the_edges():
    ref, cases = audit._cases(torch.Generator().manual_seed(1))
    same = [_mutant("backward", 'dA1 = dZ2 @ params["W2"].T', "dA1 = dZ2 * params['W2'].T"),
            _mutant("backward", "dZ1 = dA1 * (Z1 > 0)", "dZ1 = dA1 * (A1 > 0).to(dA1.dtype)")]
    wrong = [_mutant("bce_loss", "def bce_loss(A2, Y, pos_weight=1.0):", "def bce_loss(A2, Y, pos_weight=3.0):"),
             _mutant("bce_loss", "p = A2.clamp(eps, 1 - eps)", "p = A2.clamp_(eps, 1 - eps)"),   # in place
             _mutant("backward", "dZ1 = dA1 * (Z1 > 0)", "dZ1 = dA1 * (Z1 >= 0).to(dA1.dtype)")]   # exact zeros
    assert all(audit.equivalent(m, ref, cases) for m in same)
    assert not any(audit.equivalent(m, ref, cases) for m in wrong)


def device_mutants():
    """The mutants that change only where a tensor is: .cpu(), torch.full, a NumPy round trip."""
    found = [m for m in mutants() if m["kind"] == "device"]
    assert found == [m for m in mutants() if any(s in m["after"] for s in (".cpu()", "torch.full((1,)",
                                                                            "torch.from_numpy("))]
    return found


def test_device_mistakes_are_wrong_though_the_cpu_cannot_tell(monkeypatch):
    """Every device mutant of every function is wrong, and only the virtual GPU says so: with
    its verdict forced to "ok", those that run on the CPU at all are equivalent there."""
    ref, cases = audit._cases(torch.Generator().manual_seed(1))
    found = device_mutants()
    assert {m["fn"] for m in found} == set(TASK1.tags)
    assert not any(audit.equivalent(m, ref, cases) for m in found)
    monkeypatch.setattr(audit.devices, "verdict", lambda report: ("ok", None, ""))
    same_on_cpu = [m["id"] for m in found if audit.equivalent(m, ref, cases)]
    assert len(same_on_cpu) >= 12, same_on_cpu


# The audit in these tests grades a fixed sample of the mutants, so that each runs in about a
# minute on 2 cores; bench/audit.py runs the full audit (all of them).
SAMPLE = 24


def test_the_sample_is_fixed_and_spread():
    ref, cases = audit._cases(torch.Generator().manual_seed(1))
    every = [{**m, "equivalent": audit.equivalent(m, ref, cases)} for m in mutants()]
    picked = audit.sample(every, SAMPLE)
    assert [m["id"] for m in picked] == [m["id"] for m in audit.sample(every, SAMPLE)]
    assert SAMPLE - 4 <= len(picked) <= SAMPLE + 4
    for fn in TASK1.tags:
        kinds = {m["equivalent"] for m in picked if m["fn"] == fn}
        assert False in kinds, fn
        assert (True in kinds) == any(m["equivalent"] for m in every if m["fn"] == fn), fn
    assert sum(m["equivalent"] for m in picked) >= 3


def run_audit(root, tmp_path, *args):
    out = tmp_path / "audit.json"
    proc = subprocess.run([sys.executable, "-m", "autograder", "audit", "--jobs", "2", "--json", str(out), *args],
                          cwd=root, capture_output=True, text=True, timeout=1500)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return proc, json.loads(out.read_text())


@needs_root
def test_this_grader_has_no_survivor_and_no_false_fail(tmp_path):
    picked = [arg for m in device_mutants()[::4] for arg in ("--mutant", m["id"])]   # one in four, all four functions
    proc, report = run_audit(ROOT, tmp_path, "--sample", str(SAMPLE), *picked)
    assert proc.returncode == 0, proc.stdout
    assert not report["survivors"] and not report["false_fails"], proc.stdout
    assert report["without_device_mutants"] == [] and "Warning" not in proc.stdout, proc.stdout
    assert set(report["functions"]) == set(TASK1.tags), proc.stdout
    assert all(row["score"] == 1.0 and row["wrong"] for row in report["functions"].values()), proc.stdout
    assert sum(row["equivalent"] for row in report["functions"].values()) >= 3, proc.stdout
    assert report["graded"] < report["of"] == len(mutants()), proc.stdout
    # A device mistake loses its function's device test and the training on a GPU (5.2).
    device = {m["id"] for m in device_mutants()}
    graded = [m for m in report["mutants"] if m["id"] in device]
    assert graded and all("5.2" in m["lost"] for m in graded), \
        [(m["id"], m["after"], m["lost"]) for m in graded if "5.2" not in m["lost"]]


@needs_root
def test_a_weakened_check_lets_mutants_survive(tmp_path, request):
    """A copy of the grader whose test 2.2 no longer calls bce_loss without pos_weight: the
    mutants that change bce_loss's default keep full marks, and the audit says so."""
    base = Path(tempfile.mkdtemp(prefix="mlp-audit-test-"))   # the worker account must enter it
    base.chmod(0o755)
    request.addfinalizer(lambda: shutil.rmtree(base, ignore_errors=True))
    copy = base / "grader"
    for folder in ("autograder", "assignments", "reference"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    test = copy / "assignments" / "task1" / "tests" / "test_2_loss.py"
    text = test.read_text()
    assert "if pos_weight == 1.0:" in text
    test.write_text(text.replace("if pos_weight == 1.0:", "if False:"))
    for path in [copy, *copy.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    # The mutants that change the default (they must now survive), the equivalent one (it
    # must keep its points) and a spread of the other wrong ones (they must still be killed).
    defaults = [m["id"] for m in mutants() if m["fn"] == "bce_loss" and m["after"].startswith("def bce_loss(")]
    assert len(defaults) >= 2 and "def bce_loss(A2, Y, pos_weight=3.0):" in {
        m["after"] for m in mutants() if m["id"] in defaults}
    ids = [arg for i in defaults for arg in ("--mutant", i)]
    proc, report = run_audit(copy, tmp_path, "--function", "bce_loss", "--sample", "8", *ids)
    assert proc.returncode == 1, proc.stdout
    survivors = {m["after"] for m in report["survivors"]}
    assert "def bce_loss(A2, Y, pos_weight=3.0):" in survivors, proc.stdout
    assert "Survivors: wrong mutants that kept full marks in their function: " in proc.stdout
    assert not report["false_fails"], proc.stdout
    row = report["functions"]["bce_loss"]
    assert row["equivalent"] >= 1 and row["killed"] >= 3, proc.stdout
    assert {m["id"] for m in report["survivors"]} <= set(defaults), proc.stdout
