#!/usr/bin/env bash
# README command (2): set up and run the tests. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The report's headless-browser test needs Chromium; install Debian's when it is missing and we may.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[test] installing Debian chromium for the browser tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "[test] could not install chromium: browser tests will skip"
fi
. .venv/bin/activate
exec python -m pytest -q -p no:cacheprovider "$@"
