#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# Works on Gradescope's Ubuntu 22.04 (its default; python3 is 3.10) and Ubuntu 24.04
# (python3 3.12) base images: the grader supports Python 3.10 to 3.13, and
# requirements.txt picks the right pins for whichever python3 the image has.
set -euo pipefail
SOURCE=/autograder/source

# A fresh image may have no package lists yet.
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip
if ! python3 -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 13))'; then
  echo "setup.sh: the grader needs Python 3.10 to 3.13; this image's python3 is $(python3 -V 2>&1)" >&2
  exit 1
fi
python3 -m venv /autograder/venv
# The CPU build of torch (the default one from PyPI carries CUDA, several GB).
/autograder/venv/bin/pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
/autograder/venv/bin/pip install --no-cache-dir -r "$SOURCE/requirements.txt"

# Student code runs as these accounts, one per grading session running at once: no login,
# no home, no supplementary groups (the count is `accounts` in autograder/config.toml).
for i in 0 1 2 3 4 5 6 7; do
  id "mlpworker$i" >/dev/null 2>&1 ||
    useradd --system --no-create-home --user-group --shell /usr/sbin/nologin "mlpworker$i"
done
# The hidden reference is readable by root only.
chmod 700 "$SOURCE/reference"
