#!/usr/bin/env bash
# README command (1): set up, start the embedded demo job board on 127.0.0.1, crawl it with the real
# crawler and materialize every asset into data/cjd.duckdb. Needs no internet and no ../shared.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
export DAGSTER_HOME=${DAGSTER_HOME:-$PWD/data/dagster_home}
exec cjd demo "$@"
