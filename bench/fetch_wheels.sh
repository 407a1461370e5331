#!/usr/bin/env bash
# Fill bench/wheels/ (or WHEELS=...) with what bench/gpu_check.sh installs on a bare CUDA
# machine that has torch but no internet: run this here, where PyPI is reachable, then
# carry the folder over with the checkout (it is in .gitignore).
#
#     bash bench/fetch_wheels.sh              # PYTHON=... to use another pip
#
# Binary wheels only, for CPython 3.12 on x86_64 Linux with glibc 2.28 or later (the device
# machine's python3; numpy 2.4 has no older manylinux wheel), whatever this machine runs. The pins are requirements.txt's; jsonschema's own
# dependencies (pip show's Requires-Dist of jsonschema 4.26.0 and referencing 0.37.0) are
# listed one by one because --no-deps is needed to download for another Python.
# numpy too: autograder/sandbox/worker/wire.py sends tensors as bytes through Tensor.numpy(), so
# the grader cannot run without it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
WHEELS="${WHEELS:-bench/wheels}"
mkdir -p "$WHEELS"
"$PYTHON" -m pip download --disable-pip-version-check --only-binary=:all: --no-deps \
    --python-version 3.12 --implementation cp --abi cp312 \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d "$WHEELS" \
    gradescope-utils==0.5.0 \
    inotify-simple==2.0.1 \
    jsonschema==4.26.0 \
    attrs==26.1.0 \
    jsonschema-specifications==2025.9.1 \
    referencing==0.37.0 \
    rpds-py==2026.9.1 \
    typing-extensions==4.16.0 \
    numpy==2.4.6
echo "wheels in $WHEELS:"
ls -l "$WHEELS"
