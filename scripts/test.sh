#!/usr/bin/env bash
# README command (2): set up and run the tests. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The report's headless-browser tests need Chromium, and a CJK font so screenshots and the PDF show
# Chinese characters rather than boxes; install Debian's when missing and we may.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
{ command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh | grep -q .; } || missing+=(fonts-noto-cjk)
# The distributed test's services (scripts/distributed.sh starts its own on non-default ports).
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
{ command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[test] installing Debian ${missing[*]} for the browser and distributed tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) \
    || echo "[test] could not install ${missing[*]}: browser and distributed tests will skip or show boxes for Chinese text"
fi
. .venv/bin/activate
exec python -m pytest -q -p no:cacheprovider "$@"
