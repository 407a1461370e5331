#!/usr/bin/env bash
# The GPU path, checked: on a machine with CUDA, grade a few submissions and show which
# tests ran on the GPU. Run from anywhere, as root (as on Gradescope) to check the worker
# account too:
#
#     bash bench/gpu_check.sh [OUT_DIR]        # PYTHON=... to use another interpreter
#
# 1. the GPUs nvidia-smi sees, and whether torch can use them;
# 2. whether the account that runs student code (mlpworker, else nobody) can use the GPU
#    under the sandbox's limits: a small matmul on cuda, compared with the CPU;
# 3. grades reference/mlp.py, two buggy submissions and one that uses NumPy inside forward
#    (`python -m autograder grade ... --seed 1`, in English), timing each;
# 4. a table per grade: test, score/max, and the device it ran on (extra_data.device in
#    results.json, written by the `device` fixture; tests without it run on the CPU).
# Exit status 1 when the reference does not score 100, or a check of the GPU path fails;
# 0 without changing anything on a machine with no CUDA device.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
# Absolute, since step 2 runs in another folder; symlinks not resolved, so that
# .venv/bin/python stays the venv's python.
if [[ "$PYTHON" == */* ]]; then
    PY="$(cd "$(dirname "$PYTHON")" && pwd)/$(basename "$PYTHON")"
else
    PY="$(command -v "$PYTHON")"
fi

echo "== 1. devices"
if command -v nvidia-smi >/dev/null; then
    nvidia-smi -L || true
else
    echo "nvidia-smi: not found"
fi
info="$("$PY" -c 'import torch; print(f"torch {torch.__version__} (built for CUDA {torch.version.cuda}); cuda available: {torch.cuda.is_available()}; devices: {torch.cuda.device_count()}")')"
echo "$info"
if [[ "$info" != *"cuda available: True"* ]]; then
    if nvidia-smi -L >/dev/null 2>&1; then   # a GPU is there, but the grader would not use it
        echo "FAIL: nvidia-smi lists a GPU but torch cannot use it (a CPU build of torch, or a driver mismatch)"
        exit 1
    fi
    echo "no CUDA device: nothing to check"
    exit 0
fi
failed=0
ls -l /dev/nvidia* 2>/dev/null || true
if [[ ! -e /dev/nvidiactl ]]; then
    # grade.py lifts the worker's address-space limit only when this file exists; CUDA
    # reserves far more address space than that limit, so the worker could not use the GPU.
    echo "FAIL: /dev/nvidiactl is missing: the sandbox would keep its memory limit and CUDA would fail in the worker"
    failed=1
fi

echo
echo "== 2. the worker account and the GPU"
# The sandbox's own settings: account, processes and CPU seconds (sandbox.Worker._limit).
read -r user nproc cpu < <("$PY" -c 'from autograder import config
l = config.load()["limits"]
print(l.user, l.processes, l.cpu_seconds)')
scratch="$(mktemp -d /tmp/gpu-check-worker.XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
snippet='import os, torch
print("running as uid", os.getuid(), "- cuda available:", torch.cuda.is_available())
if not torch.cuda.is_available():
    raise SystemExit("torch.cuda.is_available() is False for this account")
a = torch.randn(256, 256, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
got = (a.cuda() @ a.cuda()).cpu()
print("matmul on", torch.cuda.get_device_name(0), "- max difference from the CPU:", float((got - a @ a).abs().max()))
if not torch.allclose(got, a @ a):
    raise SystemExit("the matmul on cuda differs from the CPU")'
# The worker's environment (sandbox.Worker): scrubbed, plus any CUDA_* and NVIDIA_* variables.
env_args=(PATH=/usr/bin:/bin HOME="$scratch" TMPDIR="$scratch" LANG=C.UTF-8 OMP_NUM_THREADS=1
          MKL_NUM_THREADS=1 PYTHONDONTWRITEBYTECODE=1)
while IFS= read -r var; do env_args+=("$var"); done < <(env | grep -E '^(CUDA_|NVIDIA_)' || true)
as_user=()
if [[ "$(id -u)" == 0 ]]; then
    account=""
    for candidate in "$user" nobody; do   # as sandbox._account: the first one that is not root
        if id -u "$candidate" >/dev/null 2>&1 && [[ "$(id -u "$candidate")" != 0 ]]; then
            account="$candidate"
            break
        fi
    done
    if [[ -z "$account" ]]; then
        echo "FAIL: no account $user (nor nobody) to run student code: run make worker-user"
        exit 1
    fi
    chown "$account" "$scratch"
    chmod 700 "$scratch"
    if command -v setpriv >/dev/null; then
        as_user=(setpriv --reuid="$(id -u "$account")" --regid="$(id -g "$account")" --clear-groups --)
    else
        as_user=(runuser -u "$account" --)
    fi
    echo "as $account (${as_user[0]}), with at most $nproc processes, 256 open files, $cpu s of CPU"
    # NPROC counts every process of the account, as in the sandbox; only when it is not us.
    limits=(prlimit --nproc="$nproc" --nofile=256 --cpu="$cpu" --core=0 --)
else
    echo "not root: the worker runs as $(id -un), so the check does too"
    limits=(prlimit --nofile=256 --cpu="$cpu" --core=0 --)
fi
if (cd "$scratch" && "${limits[@]}" "${as_user[@]}" env -i "${env_args[@]}" "$PY" -I -c "$snippet"); then
    echo "ok: the worker account can use the GPU"
else
    echo "FAIL: the worker account cannot use the GPU (see above). Check the permissions of /dev/nvidia*,"
    echo "      and that the account can read $PY and its venv (keep the checkout where other users can enter)"
    failed=1
fi

echo
echo "== 3. grading on the GPU"
out="${1:-$(mktemp -d /tmp/gpu-check.XXXXXX)}"
mkdir -p "$out"
subs=(reference/mlp.py tests/submissions/buggy/grad_no_divide_by_m.py
      tests/submissions/buggy/forward_casts_to_float.py tests/submissions/device/numpy_inside_forward.py)
times=()
for sub in "${subs[@]}"; do
    name="$(basename "$sub" .py)"
    if [[ "$sub" == reference/mlp.py ]]; then name=reference; fi
    start="$(date +%s%N)"
    if ! AUTOGRADER_LANGUAGE=en "$PY" -m autograder grade "$sub" --out "$out/$name.json" --seed 1 \
            >"$out/$name.log" 2>&1; then
        cat "$out/$name.log"
        echo "FAIL: grading $sub did not complete"
        exit 1
    fi
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    times+=("$name=$ms")
    echo "graded $sub in $ms ms: $out/$name.json"
done

echo
echo "== 4. results"
if ! "$PY" - "$out" "${times[@]}" <<'EOF'; then
"""Print each grade's tests with the device they ran on; check what the GPU path must give."""
import json
import re
import sys
from pathlib import Path

from autograder.messages import MESSAGES

out, times = Path(sys.argv[1]), dict(a.split("=") for a in sys.argv[2:])
internal = MESSAGES["internal_error"]["en"]
problems = []
for name, ms in times.items():
    data = json.loads((out / f"{name}.json").read_text())
    total = sum(t["max_score"] for t in data["tests"])
    print(f"\n{name}: {data['score']:g}/{total:g} in {int(ms) / 1000:.1f} s")
    for t in data["tests"]:
        device = t.get("extra_data", {}).get("device", "cpu")
        status = "ok" if t["status"] == "passed" else "FAIL"
        print(f"  {t.get('number', ''):4} {t['name'][:70]:70} {t['score']:>5g}/{t['max_score']:<3g} {device:4} {status}")
    tests = {t.get("number"): t for t in data["tests"]}
    on_cuda = {n for n, t in tests.items() if t.get("extra_data", {}).get("device") == "cuda"}
    failed = {n for n, t in tests.items() if t["status"] != "passed"}

    def problem(text):
        problems.append(f"{name}: {text}")

    if not on_cuda:
        problem("no test ran on cuda")
    if any(t.get("extra_data", {}).get("device") not in (None, "cuda") for t in tests.values()):
        problem("a test that takes the device fixture ran on the CPU")
    if any(internal in t.get("output", "") for t in tests.values()):
        problem("the grader itself failed on a test (see the .log file)")
    if name == "reference":
        if data["score"] != 100 or failed:
            problem(f"the reference scores {data['score']:g}, not 100 (failed: {sorted(failed)})")
        if "Trained on cuda" not in tests.get("5.1", {}).get("output", ""):
            problem("test 5.1 did not train on cuda")
    elif name == "numpy_inside_forward":   # .numpy() fails on cuda only, with its hint
        hint = MESSAGES["hint_numpy_on_device"]["en"].format(fn="forward")
        if failed != {"1.1", "5.1"}:
            problem(f"expected tests 1.1 and 5.1 to fail on cuda, failed: {sorted(failed)}")
        if not all(hint in tests[n]["output"] for n in failed):
            problem("a failed test lacks the NumPy hint")
    else:   # a buggy submission loses points only in the tests its header names
        breaks = set(re.search(r"^breaks: (.+)$", Path(f"tests/submissions/buggy/{name}.py").read_text(),
                               re.M).group(1).split(", "))
        if not failed:
            problem("the bug was not caught")
        wrong = sorted(n for n in failed if not breaks & set(tests[n].get("tags", [])))
        if wrong:
            problem(f"tests outside {sorted(breaks)} failed: {wrong}")

print()
for p in problems:
    print("FAIL:", p)
sys.exit(1 if problems else 0)
EOF
    failed=1
fi

echo
if [[ "$failed" != 0 ]]; then
    echo "gpu check: FAILED (results in $out)"
    exit 1
fi
echo "gpu check: ok (results in $out)"
