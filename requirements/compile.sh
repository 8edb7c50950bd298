#!/usr/bin/env bash
# Regenerates the locks the GitHub workflows install from, with hashes, for the runners' platform
# (Linux x86_64, CPython 3.11), whatever machine runs it:
#   requirements/guidesite.lock  pyproject.toml's [project] dependencies and the build backend
#   requirements/test.lock       the same plus the `test` extra (to run the test suite on the versions the judge runs on)
#
#   requirements/compile.sh                       keep every pin that still satisfies pyproject.toml
#   requirements/compile.sh --upgrade             newest versions allowed by pyproject.toml
#   requirements/compile.sh --upgrade-package X   move X only
#
# Needs python3 and PyPI.  The diff of a lock is a reviewed change like code: it needs editors'
# approvals (guidesite approve-site) before it is merged.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.10
tool="$(mktemp -d)"
trap 'rm -rf "$tool"' EXIT
python3 -m venv "$tool/venv"
"$tool/venv/bin/pip" install -q "uv==$UV_VERSION"

header() {
  cat <<HEADER
# $1
# Locked with hashes for Linux x86_64, CPython 3.11 (the GitHub runners).  Regenerate with
#   requirements/compile.sh [--upgrade | --upgrade-package NAME]
# which runs uv $UV_VERSION:
#   uv pip compile $2
# Do not edit by hand.  Updating this file is a reviewed change like code: it needs editors'
# approvals (guidesite approve-site) before it is merged.
HEADER
}

common=(--generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28
        --index-url https://pypi.org/simple --no-config --no-header)

compile() {  # compile OUTPUT DESCRIPTION ARGS...
  local out="$1" what="$2"
  shift 2
  local args=("$@" "${common[@]}" --output-file "$out")
  "$tool/venv/bin/uv" pip compile --quiet "${args[@]}" "${EXTRA_ARGS[@]}"
  { header "$what" "${args[*]}"; cat "$out"; } > "$out.tmp"
  mv "$out.tmp" "$out"
}

EXTRA_ARGS=("$@")
compile requirements/guidesite.lock "guidesite's runtime dependencies (what the workflows' guidesite runs on)" \
  pyproject.toml requirements/build.in
# The test lock keeps the runtime lock's versions: the tests run on what the judge runs on.
compile requirements/test.lock "guidesite's runtime dependencies and its test extra (to run the test suite on the versions the judge runs on)" \
  pyproject.toml requirements/build.in --extra test --constraint requirements/guidesite.lock
