"""What an instructor deploys and a student runs: the zips, run_autograder, the CLI,
the self-check and the results.json schema."""
import json
import os
import shutil
import subprocess
import sys
import zipfile

import jsonschema
import pytest
from conftest import ROOT, SCHEMA, SUBMISSIONS, reference, selfcheck_runs, starter

PY = sys.executable


def run(*cmd, cwd=ROOT, env=None):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    proc = run(PY, "-m", "autograder", "build", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


def test_autograder_zip_has_gradescope_layout(dist):
    names = zipfile.ZipFile(dist / "autograder.zip").namelist()
    assert "setup.sh" in names and "run_autograder" in names
    assert "reference/task1/mlp.py" in names and "reference/task1/mistakes.py" in names
    assert "assignments/task1/tests/test_3_backward.py" in names and "assignments/__init__.py" in names
    # Only the assignment built, without what students get or the project's test submissions.
    assert {n.split("/")[1] for n in names if n.startswith("assignments/") and n.count("/") > 1} == {"task1"}
    assert not any(n.startswith(("starter/", "assignments/task1/submissions/", "reference/task2/")) for n in names)
    assert not any(n.endswith("loss_curve.png") for n in names)
    assert not any("__pycache__" in n for n in names)
    info = zipfile.ZipFile(dist / "autograder.zip").getinfo("run_autograder")
    assert info.external_attr >> 16 & 0o111


FAKES = {   # what setup.sh would change on the machine, recorded instead (LOG)
    "apt-get": 'exit 0',
    "id": 'exit 1',   # no account exists yet
    "useradd": 'echo "useradd ${@: -1}" >> "$LOG"',
    "python3": f"""if [ "$1" = -m ] && [ "$2" = venv ]; then
  mkdir -p "$3/bin" && printf '%s\\n' '#!/bin/sh' 'echo "pip $*" >> "$LOG"' > "$3/bin/pip" && chmod +x "$3/bin/pip"
else exec {sys.executable} "$@"; fi""",
}


def run_setup(dist, tmp_path, edit=lambda text: text, pins=lambda text: text, fakes_more=None, env=None, ok=True):
    """Run setup.sh of autograder.zip as Gradescope would, with apt-get, useradd and the
    venv faked (fakes_more: other fakes); config.toml and requirements.txt edited first.
    Returns what it did, or the process where ok is False."""
    root = tmp_path / "root"
    zipfile.ZipFile(dist / "autograder.zip").extractall(root / "source")
    for path, change in ((root / "source" / "autograder" / "config.toml", edit),
                         (root / "source" / "requirements.txt", pins)):
        path.write_text(change(path.read_text()))
    fakes = tmp_path / "bin"
    fakes.mkdir()
    for name, body in {**FAKES, **(fakes_more or {})}.items():
        (fakes / name).write_text(f"#!/bin/bash\n{body}\n")
        (fakes / name).chmod(0o755)
    log = tmp_path / "log"
    proc = run("bash", str(root / "source" / "setup.sh"),
               env={"PATH": f"{fakes}:/usr/bin:/bin", "AUTOGRADER_ROOT": str(root), "LOG": str(log), **(env or {})})
    if not ok:
        return proc
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return log.read_text().splitlines()


def test_setup_reads_the_accounts_and_the_torch_pin_where_they_are_written(dist, tmp_path):
    """setup.sh creates config.toml's accounts (user, accounts) and installs the torch of
    requirements.txt: with other values there, it does what they say."""
    from autograder import config

    shipped = config.load()["limits"]
    did = run_setup(dist, tmp_path / "shipped")
    torch = next(line for line in (ROOT / "requirements.txt").read_text().splitlines() if line.startswith("torch=="))
    assert [d for d in did if d.startswith("useradd")] == [f"useradd {shipped.user}{i}" for i in range(shipped.accounts)]
    assert any(d.startswith("pip install") and d.endswith(f" {torch}") for d in did), did
    did = run_setup(dist, tmp_path / "edited",
                    edit=lambda t: t.replace(f"accounts = {shipped.accounts}", "accounts = 3")
                                    .replace(f'user = "{shipped.user}"', 'user = "grader"'),
                    pins=lambda t: t.replace(torch, "torch==9.8.7"))
    assert [d for d in did if d.startswith("useradd")] == ["useradd grader0", "useradd grader1", "useradd grader2"]
    assert any(d.startswith("pip install") and d.endswith(" torch==9.8.7") for d in did), did


# pip as it fails offline: torch is found (a folder of wheels holds it), the first pin of
# requirements.txt is not.
OFFLINE_PIP = """if [ "$1" = config ]; then echo "global.find-links='/wheels'"; exit 0; fi
case "$*" in *" -r "*) echo "ERROR: Could not find a version that satisfies the requirement pytest==9.2.0" >&2
  echo "ERROR: No matching distribution found for pytest==9.2.0" >&2; exit 1;; esac"""


def test_setup_without_a_network_says_which_requirement_it_lacks_and_where_it_looked(dist, tmp_path):
    fake_venv = f"""if [ "$1" = -m ] && [ "$2" = venv ]; then
  mkdir -p "$3/bin" && cat > "$3/bin/pip" <<'PIP'
#!/bin/bash
{OFFLINE_PIP}
PIP
  chmod +x "$3/bin/pip"
else exec {sys.executable} "$@"; fi"""
    proc = run_setup(dist, tmp_path, fakes_more={"python3": fake_venv}, ok=False,
                     env={"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "/wheels"})
    assert proc.returncode != 0
    said = [line for line in proc.stderr.splitlines() if line.startswith("setup.sh:")]
    assert said == [said[0]] and "could not install pytest==9.2.0" in said[0], proc.stderr
    assert "no index (PIP_NO_INDEX), and the wheels in /wheels" in said[0] and "find-links='/wheels'" in said[0], said


def test_make_reads_the_accounts_from_the_settings(tmp_path):
    settings = tmp_path / "config.toml"
    settings.write_text('[limits]\nuser = "grader"   # base name\naccounts = 3\n')
    proc = run("make", "-n", "worker-user", f"CONFIG={settings}")
    assert proc.returncode == 0, proc.stderr
    assert "seq 0 $((3 - 1))" in proc.stdout and "nologin grader$i" in proc.stdout, proc.stdout


def test_handout_never_contains_reference_code(dist):
    z = zipfile.ZipFile(dist / "handout.zip")
    names = z.namelist()
    for name in ("mlp.py", "selfcheck.py", "checks.py", "messages.py", "guard.py", "fixtures/selfcheck.pt",
                 "contract.py", "task.py", "texts.py", "devices.py"):
        assert f"task1/{name}" in names, name
    assert not any("reference" in n or "mutants" in n or n.endswith("/fixtures.py") for n in names)
    reference_lines = {line.strip() for f in ("mlp.py", "mistakes.py")
                       for line in (reference().parent / f).read_text().splitlines()
                       if len(line.strip()) > 35 and not line.strip().startswith(("#", '"""', "def "))}
    for name in names:
        data = z.read(name)
        if name.endswith((".py", ".md")):
            text = data.decode()
            leaked = [line for line in reference_lines if line in text]
            assert not leaked, f"{name} contains reference code: {leaked[:2]}"


def test_handout_selfcheck_runs_from_the_unzipped_folder(dist, tmp_path):
    zipfile.ZipFile(dist / "handout.zip").extractall(tmp_path)
    folder = tmp_path / "task1"
    starter = run(PY, "selfcheck.py", "--lang", "en", cwd=folder)
    assert starter.returncode == 1 and "NotImplementedError" in starter.stdout
    shutil.copy(reference(), folder / "mlp.py")
    solved = run(PY, "selfcheck.py", "--lang", "en", cwd=folder)
    assert solved.returncode == 0, solved.stdout
    assert "8/8 checks passed" in solved.stdout
    assert (folder / "loss_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    chinese = run(PY, "selfcheck.py", cwd=folder)    # Chinese unless --lang en
    assert "通过 8/8 项检查" in chinese.stdout and "损失曲线已保存到" in chinese.stdout


# Runs the self-check as a student who installed torch only: importing anything else the
# project has installed (safetensors, matplotlib, numpy's friends) fails.
TORCH_ONLY = """
import runpy, sys
for name in ("safetensors", "matplotlib", "jsonschema", "pytest", "gradescope_utils"):
    sys.modules[name] = None          # import name -> ModuleNotFoundError
sys.argv = ["selfcheck.py", "--lang", "en"]
runpy.run_path("selfcheck.py", run_name="__main__")
"""


def test_handout_selfcheck_needs_only_torch(dist, tmp_path):
    zipfile.ZipFile(dist / "handout.zip").extractall(tmp_path)
    folder = tmp_path / "task1"
    shutil.copy(reference(), folder / "mlp.py")
    proc = run(PY, "-c", TORCH_ONLY, cwd=folder)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "8/8 checks passed" in proc.stdout and "pip install matplotlib" in proc.stdout
    assert not (folder / "loss_curve.png").exists()


def test_handouts_say_what_to_install():
    for lang in ("en", "zh"):
        text = (starter().parent / f"HANDOUT.{lang}.md").read_text()
        assert "pip install torch" in text, lang


POINTED = ("bias_grads_keepdim", "en")
HINTED = {"grad_no_divide_by_m": "grad_missing_mean", "sgd_adds_gradient": "sgd_sign_flipped",
          "loss_sum_not_mean": "loss_summed"}


@pytest.fixture(scope="module")
def selfchecked(tmp_path_factory):
    """{(bug, language): (status, stdout)} of the self-check on these buggy submissions, run
    as a student runs it, several at once (conftest.selfcheck_runs); the runs of the real
    script from a shell are the handout's tests above."""
    from autograder.common import messages

    wanted = [POINTED] + [(bug, lang) for bug in HINTED for lang in messages.LANGUAGES]
    runs = selfcheck_runs([(lang, SUBMISSIONS / "buggy" / f"{bug}.py") for bug, lang in wanted],
                          tmp_path_factory.mktemp("selfcheck"))
    return {key: (status, out) for key, (status, out, _) in zip(wanted, runs)}


def test_selfcheck_points_at_the_bug(selfchecked):
    status, stdout = selfchecked[POINTED]
    assert status == 1
    assert "✗ backward" in stdout and "db1 has shape (1, 3); expected (3,)" in stdout
    assert "Hint: db1 is still 2-D" in stdout
    assert "✓ forward" in stdout


@pytest.mark.parametrize("bug,hint", list(HINTED.items()))
def test_selfcheck_gives_hints_in_both_languages(selfchecked, bug, hint):
    from autograder.common import messages

    for lang in messages.LANGUAGES:
        status, stdout = selfchecked[bug, lang]
        fixed = messages.MESSAGES["hint_" + hint][lang].split("{")[0]
        assert status == 1 and fixed in stdout, stdout


def test_fixtures_are_up_to_date():
    """The shipped fixtures are what the reference gives now, compared with a tolerance far
    tighter than the self-check's own yet above what another CPU rounds differently: for
    float64 1e-12 relative (the self-check: 1e-6; 4e-16 seen between machines), for float32
    8 units in the last place, 1e-6 relative (the self-check: 1e-4; one unit, 3e-8 at 0.12,
    seen between machines). Any change to the reference or the inputs shows."""
    import torch

    from assignments.task1.fixtures import FIXTURES, build_fixtures

    tight = {torch.float64: (1e-12, 1e-15), torch.float32: (1e-6, 1e-12)}
    shipped = torch.load(FIXTURES, weights_only=True)
    fresh, meta = build_fixtures()
    assert shipped["meta"] == meta, "run: python -m autograder fixtures"
    assert shipped["tensors"].keys() == fresh.keys(), "run: python -m autograder fixtures"
    stale = []
    for k, v in fresh.items():
        old = shipped["tensors"][k]
        rtol, atol = tight.get(v.dtype, (0, 0))
        if old.dtype != v.dtype or not torch.allclose(old, v, rtol=rtol, atol=atol, equal_nan=True):
            stale.append(f"{k} (largest difference {(old.double() - v.double()).abs().max().item():.3g})")
    assert not stale, f"fixtures differ at {stale[:5]}: run: python -m autograder fixtures"


def test_run_autograder_follows_gradescope_paths(tmp_path):
    root = tmp_path / "autograder"
    (root / "submission" / "nested").mkdir(parents=True)
    (root / "source").symlink_to(ROOT)
    shutil.copy(reference(), root / "submission" / "nested" / "mlp.py")
    proc = run(str(ROOT / "run_autograder"), env={"AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": PY})
    assert proc.returncode == 0, proc.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(data, SCHEMA)
    assert data["score"] == 100


@pytest.mark.parametrize("layout,expected", [("none", "No mlp.py"), ("several", "several files named mlp.py")])
def test_folder_without_exactly_one_mlp(tmp_path, layout, expected):
    sub = tmp_path / "sub"
    (sub / "a").mkdir(parents=True)
    if layout == "several":
        (sub / "a" / "mlp.py").write_text("")
        (sub / "mlp.py").write_text("")
    proc = run(PY, "-m", "autograder", "grade", str(sub), "--out", str(tmp_path / "r.json"),
               env={"AUTOGRADER_LANGUAGE": "en"})
    assert proc.returncode == 0
    data = json.loads((tmp_path / "r.json").read_text())
    jsonschema.validate(data, SCHEMA)
    assert data["score"] == 0 and expected in data["tests"][0]["output"]


def test_schema_rejects_what_gradescope_would_reject():
    good = {"score": 1, "tests": [{"score": 1, "max_score": 1, "name": "t", "visibility": "visible"}]}
    jsonschema.validate(good, SCHEMA)
    for bad in ({"tests": [{"max_score": 1}]},
                {"score": 1, "tests": [{"score": 1, "visibility": "sometimes"}]},
                {"score": 1, "output_format": "latex"},
                {"score": "1"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, SCHEMA)
