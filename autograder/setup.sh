#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# Works on Gradescope's Ubuntu 22.04 (its default; python3 is 3.10) and Ubuntu 24.04
# (python3 3.12) base images: the grader supports Python 3.10 to 3.13, and
# requirements.txt picks the right pins for whichever python3 the image has.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"   # another root: to try this script anywhere (tests/test_deploy.py)
SOURCE="$ROOT/source"
# Facts written once elsewhere, read here with sed: this runs before any venv exists, and
# Python 3.10 (Gradescope's default) has no TOML reader of its own.
# The worker accounts: `user` and `accounts` in [limits] of autograder/config.toml.
USER_BASE="$(sed -n 's/^user *= *"\([^"]*\)".*/\1/p' "$SOURCE/autograder/config.toml")"
ACCOUNTS="$(sed -n 's/^accounts *= *\([0-9]*\).*/\1/p' "$SOURCE/autograder/config.toml")"
# torch's version: its pin in requirements.txt.
TORCH="$(sed -n 's/^torch==\([0-9][0-9.]*\).*/\1/p' "$SOURCE/requirements.txt")"
if [[ -z "$USER_BASE" || ! "$ACCOUNTS" =~ ^[0-9]+$ || ! "$TORCH" =~ ^[0-9][0-9.]*$ ]]; then
  echo "setup.sh: cannot read user and accounts from autograder/config.toml, or torch==VERSION" \
       "from requirements.txt (read: '$USER_BASE', '$ACCOUNTS', '$TORCH')" >&2
  exit 1
fi

# A fresh image may have no package lists yet.
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip
if ! python3 -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 13))'; then
  echo "setup.sh: the grader needs Python 3.10 to 3.13; this image's python3 is $(python3 -V 2>&1)" >&2
  exit 1
fi
python3 -m venv "$ROOT/venv"

# pip install ARGS; when it fails, which requirement it could not find and where it looked
# (an image built offline, from a folder of wheels, fails on the first one missing there).
pip_install() {
  local log status=0
  log="$(mktemp)"
  "$ROOT/venv/bin/pip" install --no-cache-dir "$@" 2>"$log" || status=$?
  cat "$log" >&2   # pip's warnings and errors, as they would have been
  if [[ $status -ne 0 ]]; then
    local missing where
    missing="$(sed -n 's/.*No matching distribution found for \([^ ]*\).*/\1/p' "$log" | head -n 1)"
    where="the index ${PIP_INDEX_URL:-https://pypi.org/simple}"
    if [[ " $* " == *" --index-url "* ]]; then where="the index given: $*"; fi
    if [[ -n "${PIP_NO_INDEX:-}" ]]; then where="no index (PIP_NO_INDEX)"; fi
    if [[ -n "${PIP_FIND_LINKS:-}" ]]; then where="$where, and the wheels in $PIP_FIND_LINKS"; fi
    echo "setup.sh: pip could not install ${missing:-what requirements.txt asks for}: not found in $where" \
         "(pip config: $("$ROOT/venv/bin/pip" config list 2>/dev/null | tr '\n' ' ')); the lines above are pip's" >&2
  fi
  rm -f "$log"
  return "$status"
}

# The CPU build of torch (the default one from PyPI carries CUDA, several GB).
pip_install --index-url https://download.pytorch.org/whl/cpu "torch==$TORCH"
pip_install -r "$SOURCE/requirements.txt"

# Student code runs as these accounts, one per grading session running at once: no login,
# no home, no supplementary groups.
for ((i = 0; i < ACCOUNTS; i++)); do
  id "$USER_BASE$i" >/dev/null 2>&1 ||
    useradd --system --no-create-home --user-group --shell /usr/sbin/nologin "$USER_BASE$i"
done
# The hidden references (reference/, every assignment's) are readable by root only.
chmod 700 "$SOURCE"/reference
