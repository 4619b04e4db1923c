#!/usr/bin/env bash
# Set up cjd on a fresh machine: a virtual environment in .venv with torch and the project installed.
# Idempotent: a second run only checks that everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-}
if [ -z "$PY" ]; then
  # torch wheels exist for these; 3.11 first because this workplace keeps a CPU torch wheel for it.
  for cand in python3.11 python3.12 python3; do
    if command -v "$cand" >/dev/null 2>&1; then PY=$cand; break; fi
  done
fi
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip >/dev/null

TORCH_VERSION=${CJD_TORCH_VERSION:-2.13.0}
if ! python -c "import torch" >/dev/null 2>&1; then
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
    echo "[setup] GPU found: installing torch $TORCH_VERSION (CUDA build)"
    python -m pip install -q "torch==$TORCH_VERSION"
  else
    # No GPU: pin the version, so pip takes the CPU build rather than pulling a multi-GB CUDA build.
    # Elsewhere, set PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu to get the CPU wheel.
    echo "[setup] no GPU: installing the CPU build of torch $TORCH_VERSION"
    python -m pip install -q "torch==$TORCH_VERSION"
  fi
fi

# The project, pinned to what torch already satisfies (torch is not reinstalled).
python -m pip install -q -e ".[test,distributed]"
echo "[setup] ready: $(python -c 'import torch, dagster, duckdb, polars; print(f"torch {torch.__version__}, dagster {dagster.__version__}, duckdb {duckdb.__version__}, polars {polars.__version__}")')"
