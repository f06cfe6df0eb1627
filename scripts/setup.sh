#!/usr/bin/env bash
# Create .venv and install musegen (CPU torch wheel pinned; see README). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q --upgrade pip >/dev/null 2>&1 || true
# The CPU build of torch: an unpinned torch pulls a multi-GB CUDA build.
.venv/bin/pip install -q "torch==${TORCH_VERSION:-2.13.0}"
.venv/bin/pip install -q -e ".[test]"
# Extras whose declared dependencies we never use and cannot build (listed in pyproject's `nodeps`).
nodeps=$(.venv/bin/python - <<'PYEOF'
import tomllib
print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["nodeps"]))
PYEOF
)
# shellcheck disable=SC2086
.venv/bin/pip install -q --no-deps $nodeps
