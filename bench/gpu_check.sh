#!/usr/bin/env bash
# The GPU path, checked: on a machine with CUDA, grade a few submissions and show where
# each test ran. Only the four device tests (1.4, 2.6, 3.8, 4.3) and the training on a GPU
# (5.2) use the GPU; every other test runs on the CPU on any machine. Run from anywhere, as root (as on Gradescope) to
# check the worker account too:
#
#     bash bench/gpu_check.sh [OUT_DIR]    # PYTHON=... another interpreter; WHEELS=... (bench/wheels)
#
# 1. the GPUs nvidia-smi sees, and whether torch can use them; without CUDA, stop here;
# 2. what the grader needs, installed when missing (for a bare machine with torch but no
#    internet): gradescope_utils, jsonschema, numpy and inotify_simple, from the wheels in $WHEELS
#    (bench/fetch_wheels.sh fills it where PyPI is reachable), and, as root, the worker
#    accounts <user>0 .. <user><accounts-1> of autograder/config.toml, created as
#    autograder/setup.sh does;
# 3. whether the account that runs student code (the first of the grader's pool,
#    sandbox/accounts.py _pool_names) can use the GPU under the worker's rlimits (sandbox/handle.py Worker._rlimits)
#    and environment (sandbox/accounts.py scrubbed_env): a small matmul on cuda, compared with the CPU.
#    Landlock (worker/confine.py) is not applied here; step 4 runs the real worker;
# 4. grades reference/task1/mlp.py, two buggy submissions and every device submission
#    (tests/submissions/device/*.py) with `python -m autograder grade ... --seed 1`, in
#    English, timing each;
# 5. bench/gpu_report.py: a table per grade (test, score/max, and where it ran: the device
#    tests record "cuda", or "virtual" when the grader fell back to fake CUDA tensors, in
#    extra_data.device of results.json, through the `gpu` fixture; the other tests record
#    nothing and ran on the CPU) and the checks of what the GPU path must give (see its
#    docstring).
# Exit status 1 when the reference does not score 100, or a check of the GPU path fails;
# 0 without changing anything on a machine with no CUDA device.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
WHEELS="${WHEELS:-bench/wheels}"
# Absolute, since step 3 runs in another folder; symlinks not resolved, so that
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
if ! info="$("$PY" -c 'import torch; print(f"torch {torch.__version__} (built for CUDA {torch.version.cuda}); cuda available: {torch.cuda.is_available()}; devices: {torch.cuda.device_count()}")')"; then
    echo "FAIL: $PY cannot import torch (set PYTHON to an interpreter that has it)"
    exit 1
fi
echo "$PY: $info"
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
    # grade.py lets the worker go without its address-space limit (RLIMIT_AS, see
    # sandbox/handle.py Worker._rlimits) only when this file exists; CUDA reserves far more address
    # space than that limit, so the worker could not use the GPU.
    echo "FAIL: /dev/nvidiactl is missing: the worker would keep its memory limit and CUDA would fail in it"
    failed=1
fi

echo
echo "== 2. what the grader needs"
# Module names, and the distributions that provide them (numpy: worker/wire.py sends
# tensors as bytes through Tensor.numpy()).
missing=()
for pair in gradescope_utils:gradescope-utils jsonschema:jsonschema numpy:numpy inotify_simple:inotify-simple; do
    if ! "$PY" -c "import ${pair%%:*}" 2>/dev/null; then
        missing+=("${pair#*:}")
    fi
done
if [[ ${#missing[@]} == 0 ]]; then
    echo "ok: $PY has gradescope_utils, jsonschema, numpy and inotify_simple"
else
    echo "installing ${missing[*]} from $WHEELS (no index)"
    # PIP_BREAK_SYSTEM_PACKAGES: a distribution's own python3 refuses pip otherwise (PEP 668).
    if ! PIP_BREAK_SYSTEM_PACKAGES=1 PIP_ROOT_USER_ACTION=ignore "$PY" -m pip install \
            --disable-pip-version-check --no-index --find-links "$WHEELS" "${missing[@]}"; then
        echo "FAIL: could not install ${missing[*]} for $PY from $WHEELS (see above)."
        echo "      Fill that folder with bash bench/fetch_wheels.sh on a machine with PyPI and copy it here,"
        echo "      or set WHEELS to a folder of wheels for this Python ($PY needs pip too)."
        exit 1
    fi
fi
# The grader's own settings: the accounts' base name and how many (autograder/config.toml
# [limits] user and accounts, read by config.load).
settings="$("$PY" -c 'from autograder import config
l = config.load()["limits"]
print(l.user, l.accounts)')"
read -r user accounts <<<"$settings"
if [[ "$(id -u)" == 0 ]]; then
    created=()
    for ((i = 0; i < accounts; i++)); do   # as autograder/setup.sh does
        if ! id "$user$i" >/dev/null 2>&1; then
            useradd --system --no-create-home --user-group --shell /usr/sbin/nologin "$user$i"
            created+=("$user$i")
        fi
    done
    if [[ ${#created[@]} != 0 ]]; then
        echo "created the worker accounts ${created[*]}"
    else
        echo "ok: the worker accounts ${user}0 .. $user$((accounts - 1)) exist"
    fi
else
    echo "not root: no worker accounts needed (the worker runs as $(id -un))"
fi

echo
echo "== 3. the worker account and the GPU"
scratch="$(mktemp -d /tmp/gpu-check-worker.XXXXXX)"
env_file="$(mktemp /tmp/gpu-check-env.XXXXXX)"
trap 'rm -rf "$scratch" "$env_file"' EXIT
if [[ "$(id -u)" == 0 ]]; then
    # The account a grading session would take first (accounts.take_account tries the pool
    # in this order) and its lock file, held while the check runs as it, as a session
    # holds it: a session that takes the account kills every process it has.
    read -r account lock < <("$PY" -c 'from autograder import config
from autograder.sandbox import accounts
name = accounts._pool_names(config.load()["limits"])[0]
print(name, accounts._lock_folder() / f"{name}.lock")') || true
    if [[ -z "${lock:-}" ]]; then
        echo "FAIL: no worker account found (sandbox/accounts.py _pool_names)"
        exit 1
    fi
    # Whether the account can reach what the worker needs (as Worker._explain checks).
    closed="$("$PY" -c 'import sys
from autograder.sandbox import accounts, handle
closed = [c for c in map(accounts.closed_to_others, (sys.argv[1], handle.WORKER_MAIN, handle.COMMON, accounts._torch_folder())) if c]
print(closed[0] if closed else "")' "$PY")"
    if [[ -n "$closed" ]]; then
        echo "FAIL: the worker account cannot reach $closed: keep the checkout and Python where every user"
        echo "      can enter and read (for example /opt), or run: chmod o+rx $closed"
        failed=1
    fi
    chown "$account" "$scratch"
    chmod 700 "$scratch"
    if command -v setpriv >/dev/null; then
        as_user=(setpriv --reuid="$(id -u "$account")" --regid="$(id -g "$account")" --clear-groups --)
    else
        as_user=(runuser -u "$account" --)
    fi
    who="as $account (${as_user[0]})"
    if command -v flock >/dev/null; then   # -o: the lock stays with flock, not the account
        if ! flock -n "$lock" true; then
            echo "waiting for $account: a grading session holds it"
        fi
        as_user=(flock -o "$lock" "${as_user[@]}")
    fi
else
    as_user=()
    who="not root: the worker runs as $(id -un), so the check does too;"
fi
# The worker's rlimits, as prlimit options: Worker._rlimits(gpu_possible) with
# gpu_possible as grade.py sets it, and an account only when we are root (then NPROC,
# which counts every process of the account, is set too).
limits_text="$("$PY" -c 'import os, types
from autograder import config
from autograder.sandbox.handle import Worker
fake = types.SimpleNamespace(limits=config.load()["limits"], account=os.geteuid() == 0 or None)
for name, soft, hard in Worker._rlimits(fake, os.path.exists("/dev/nvidiactl")):
    option = name.removeprefix("RLIMIT_").lower()   # RLIMIT_NOFILE: prlimit --nofile
    print(f"--{option}={soft}:{hard}")')"
mapfile -t limits <<<"$limits_text"
# The worker's whole environment: accounts.scrubbed_env, as Worker sets it (NUL-separated).
"$PY" -c 'import sys
from autograder.sandbox.accounts import scrubbed_env
for k, v in scrubbed_env(HOME=sys.argv[1], TMPDIR=sys.argv[1]).items():
    print(f"{k}={v}", end="\0")' "$scratch" >"$env_file"
mapfile -d '' -t env_args <"$env_file"
echo "$who with ${limits[*]}"
snippet='import os, torch
print("running as uid", os.getuid(), "- cuda available:", torch.cuda.is_available())
if not torch.cuda.is_available():
    raise SystemExit("torch.cuda.is_available() is False for this account")
a = torch.randn(256, 256, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
got = (a.cuda() @ a.cuda()).cpu()
print("matmul on", torch.cuda.get_device_name(0), "- max difference from the CPU:", float((got - a @ a).abs().max()))
if not torch.allclose(got, a @ a):
    raise SystemExit("the matmul on cuda differs from the CPU")'
if (cd "$scratch" && prlimit "${limits[@]}" -- "${as_user[@]}" env -i "${env_args[@]}" "$PY" -I -c "$snippet"); then
    echo "ok: the worker account can use the GPU"
else
    echo "FAIL: the worker account cannot use the GPU (see above). Check the permissions of /dev/nvidia*,"
    echo "      and that the account can read $PY and its packages (keep them where other users can enter)"
    failed=1
fi

echo
echo "== 4. grading (the device tests on the GPU)"
out="${1:-$(mktemp -d /tmp/gpu-check.XXXXXX)}"
mkdir -p "$out"
subs=(reference/task1/mlp.py tests/submissions/buggy/grad_no_divide_by_m.py
      tests/submissions/buggy/forward_casts_to_float.py tests/submissions/device/*.py)
times=()
for sub in "${subs[@]}"; do
    name="$(basename "$sub" .py)"
    if [[ "$sub" == reference/task1/mlp.py ]]; then name=reference; fi
    start="$(date +%s%N)"
    status=0
    AUTOGRADER_LANGUAGE=en "$PY" -m autograder grade "$sub" --out "$out/$name.json" --seed 1 \
        >"$out/$name.log" 2>&1 || status=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    case "$status" in
        0) echo "graded $sub in $ms ms: $out/$name.json" ;;
        2) echo "the grader failed on $sub (exit status 2; step 5 gives the cause): $out/$name.json" ;;
        *) cat "$out/$name.log"
           echo "FAIL: grading $sub did not complete (exit status $status)"
           exit 1 ;;
    esac
    times+=("$name=$ms")
done

echo
echo "== 5. results"
if ! "$PY" bench/gpu_report.py "$out" "${times[@]}"; then
    failed=1
fi

echo
if [[ "$failed" != 0 ]]; then
    echo "gpu check: FAILED (results in $out)"
    exit 1
fi
echo "gpu check: ok (results in $out)"
