#!/usr/bin/env bash
# The distributed deployment on this machine (README "Scaling out"):
#   PostgreSQL    Dagster's run, event-log and schedule storage (deploy/dagster.yaml)
#   Redis         the Celery broker and result backend
#   moto_server   an S3-compatible object store: the lake of harvest partitions (cjd_assets/lake.py)
#   N workers     Celery worker processes (dagster-celery): each takes one harvest run at a time
#   code server   the code location over gRPC (`dagster api grpc`), for the CLI, daemon and UI
#   (optional)    the Dagster daemon (sensors, schedules) and the webserver (UI)
#
#   scripts/distributed.sh up [--daemon] [--ui]   install what is missing (as root), start everything
#   scripts/distributed.sh backfill FILE...       keep harvest files, register them, backfill them on the workers
#   scripts/distributed.sh analyse                load the lake into DuckDB and run the analysis
#   scripts/distributed.sh status | env | down
#
# Settings (environment): CJD_DIST_DIR (state: data/distributed), CJD_PG_PORT (55433), CJD_REDIS_PORT
# (56380), CJD_S3_PORT (59010), CJD_CODE_PORT (54000), CJD_UI_PORT (53000), CJD_WORKERS (2). Non-default ports, so a developer's own
# PostgreSQL, Redis or MinIO keep theirs. Other CJD_* variables set at `up` (CJD_DUCKDB, ...) are kept in
# <state>/env.sh for the workers and the later commands.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE=${CJD_DIST_DIR:-$ROOT/data/distributed}
PY=${CJD_PYTHON:-$ROOT/.venv/bin/python}
[ -x "$PY" ] || PY=$(command -v python3)
BIN=$(dirname "$PY")
log() { echo "[distributed] $*" >&2; }
die() { log "$*"; exit 1; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Stop the process in a pid file: TERM, up to 15 s (or $2 tenths) for a clean exit (a worker finishes its
# run), then KILL.
stop_pidfile() {
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq "${2:-150}"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

pg_bin() {
  local d
  d=$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || echo /nonexistent)")")
  [ -x "$d/initdb" ] && { echo "$d"; return; }
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

install_missing() {
  local debs=()
  command -v redis-server >/dev/null 2>&1 || debs+=(redis-server)
  [ -n "$(pg_bin)" ] || debs+=(postgresql)
  if [ ${#debs[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      log "installing Debian ${debs[*]}"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${debs[@]}" >/dev/null
      # Debian's packages start their own services on the default ports: this deployment runs its own.
      command -v service >/dev/null 2>&1 && { service redis-server stop >/dev/null 2>&1 || true; service postgresql stop >/dev/null 2>&1 || true; }
    else
      die "missing ${debs[*]}: install them (Debian: apt-get install ${debs[*]}) or run this as root"
    fi
  fi
  if ! "$PY" -c "import importlib.util as u, sys; sys.exit(any(u.find_spec(m) is None for m in
      ('dagster_celery', 'dagster_postgres', 'moto', 'flask_cors', 'redis')))" 2>/dev/null; then
    log "installing the project's 'distributed' extra into $(dirname "$BIN")"
    "$PY" -m pip install -q -e "$ROOT[distributed]"
  fi
}

write_env() {
  local pg_password=$1
  {
    echo "# written by scripts/distributed.sh up: source it to talk to this deployment"
    # The caller's cjd settings (CJD_DUCKDB, CJD_ANNOTATIONS, ...) travel to the workers and later commands.
    env | grep -E '^CJD_[A-Z0-9_]+=' | grep -vE '^CJD_(PG|REDIS|S3|UI|CODE|CELERY)_' | while IFS='=' read -r k v; do
      printf 'export %s=%q\n' "$k" "$v"; done
    printf 'export %s=%q\n' \
      CJD_DIST_DIR "$STATE" \
      DAGSTER_HOME "$STATE/dagster_home" \
      CJD_CODE_PORT "$CODE_PORT" \
      CJD_PG_HOST 127.0.0.1 CJD_PG_PORT "$PG_PORT" CJD_PG_USER cjd CJD_PG_PASSWORD "$pg_password" CJD_PG_DB cjd_dagster \
      CJD_CELERY_BROKER "redis://127.0.0.1:$REDIS_PORT/0" CJD_CELERY_BACKEND "redis://127.0.0.1:$REDIS_PORT/1" \
      CJD_HARVEST_EXECUTOR in_process \
      CJD_LAKE_URL "${CJD_LAKE_URL:-s3://cjd-lake/harvests}" \
      AWS_ENDPOINT_URL "http://127.0.0.1:$S3_PORT" AWS_ACCESS_KEY_ID cjd AWS_SECRET_ACCESS_KEY cjd-secret AWS_REGION us-east-1 \
      CJD_DUCKDB "${CJD_DUCKDB:-$STATE/cjd.duckdb}" \
      CJD_LAKE_DIR "${CJD_LAKE_DIR:-$STATE/lake}" \
      CJD_LANDING_DIR "${CJD_LANDING_DIR:-$STATE/landing}" \
      PYTHONPATH "$ROOT:$STATE/celery${PYTHONPATH:+:$PYTHONPATH}"
  } > "$STATE/env.sh"
}

start_postgres() {
  local bin pgd run=()
  bin=$(pg_bin)
  # PostgreSQL refuses to run as root: as root it runs as the `postgres` user, in a folder of its own
  # (the state folder may sit under a private temporary directory that user cannot enter).
  if [ "$(id -u)" = 0 ]; then
    run=(runuser -u postgres --)
    pgd=$(cat "$STATE/pg.dir" 2>/dev/null || true)
    if [ -z "$pgd" ] || [ ! -d "$pgd" ]; then
      pgd=$(mktemp -d /tmp/cjd-pg.XXXXXX); chown postgres: "$pgd"; echo "$pgd" > "$STATE/pg.dir"
    fi
  else
    pgd=$STATE/pg; mkdir -p "$pgd"; echo "$pgd" > "$STATE/pg.dir"
  fi
  if [ ! -f "$pgd/data/PG_VERSION" ]; then
    head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$pgd/pw"
    [ "$(id -u)" = 0 ] && chown postgres: "$pgd/pw"
    "${run[@]}" "$bin/initdb" -D "$pgd/data" -U cjd --pwfile="$pgd/pw" --auth-local=trust \
      --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$pgd/initdb.log" 2>&1 || { cat "$pgd/initdb.log" >&2; die "initdb failed"; }
  fi
  cp "$pgd/pw" "$STATE/pg.password"
  if ! "${run[@]}" "$bin/pg_ctl" -D "$pgd/data" status >/dev/null 2>&1; then
    "${run[@]}" "$bin/pg_ctl" -D "$pgd/data" -l "$pgd/postgres.log" -w -t 60 \
      -o "-p $PG_PORT -k $pgd -c listen_addresses=127.0.0.1" start >/dev/null \
      || { tail -20 "$pgd/postgres.log" >&2; die "PostgreSQL did not start (port $PG_PORT taken?)"; }
  fi
  "${run[@]}" "$bin/psql" -h "$pgd" -p "$PG_PORT" -U cjd -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'cjd_dagster'" | grep -q 1 \
    || "${run[@]}" "$bin/psql" -h "$pgd" -p "$PG_PORT" -U cjd -d postgres -qc "CREATE DATABASE cjd_dagster" >/dev/null
  log "PostgreSQL on 127.0.0.1:$PG_PORT (data in $pgd)"
}

stop_postgres() {
  local bin pgd run=()
  pgd=$(cat "$STATE/pg.dir" 2>/dev/null || true)
  [ -n "$pgd" ] && [ -d "$pgd/data" ] || return 0
  bin=$(pg_bin); [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
  "${run[@]}" "$bin/pg_ctl" -D "$pgd/data" -m fast -w stop >/dev/null 2>&1 || true
}

start_redis() {
  pid_alive "$STATE/redis.pid" && return 0
  # Only a broker here: nothing to persist (queued runs are also recorded in PostgreSQL).
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --pidfile "$STATE/redis.pid" \
    --logfile "$STATE/redis.log" --dir "$STATE" --save '' --appendonly no
  for _ in $(seq 100); do [ -s "$STATE/redis.pid" ] && break; sleep 0.1; done
  log "Redis on 127.0.0.1:$REDIS_PORT"
}

start_s3() {
  pid_alive "$STATE/s3.pid" && return 0
  nohup "$BIN/moto_server" -H 127.0.0.1 -p "$S3_PORT" >"$STATE/s3.log" 2>&1 &
  echo $! > "$STATE/s3.pid"
  log "S3 (moto_server) on 127.0.0.1:$S3_PORT"
}

start_workers() {
  mkdir -p "$STATE/celery"
  # dagster_celery.app reads this module: the broker and backend of this deployment.
  cat > "$STATE/celery/dagster_celery_config.py" <<EOF
broker_url = "redis://127.0.0.1:$REDIS_PORT/0"
result_backend = "redis://127.0.0.1:$REDIS_PORT/1"
worker_prefetch_multiplier = 1
task_acks_late = True
EOF
  local i
  for i in $(seq "$WORKERS"); do
    pid_alive "$STATE/worker$i.pid" && continue
    # What `dagster-celery worker start` runs, with a pid file to stop it by. The solo pool: the worker
    # is one process that runs one harvest at a time; the code location is imported once, at start (-I).
    "$BIN/celery" --workdir "$ROOT" -A dagster_celery.app worker -Q dagster -n "cjd-worker$i@%h" --pool=solo \
      --prefetch-multiplier=1 -I cjd_assets.definitions --loglevel=INFO \
      --detach --pidfile="$STATE/worker$i.pid" --logfile="$STATE/worker$i.log"
  done
  log "$WORKERS Celery worker process(es) on queue 'dagster'"
}

start_code_server() {
  pid_alive "$STATE/code_server.pid" && return 0
  # The code location served over gRPC: the CLI, daemon and UI of this deployment read it from here
  # (<state>/workspace.yaml) instead of each importing it again.
  nohup "$BIN/dagster" api grpc -m cjd_assets.definitions -h 127.0.0.1 -p "$CODE_PORT" >"$STATE/code_server.log" 2>&1 &
  echo $! > "$STATE/code_server.pid"
  printf 'load_from:\n  - grpc_server:\n      host: 127.0.0.1\n      port: %s\n      location_name: cjd_assets\n' \
    "$CODE_PORT" > "$STATE/workspace.yaml"
  log "code server (gRPC) on 127.0.0.1:$CODE_PORT"
}

start_dagster_services() {
  if [ "$WANT_DAEMON" = 1 ] && ! pid_alive "$STATE/daemon.pid"; then
    nohup "$BIN/dagster-daemon" run -w "$STATE/workspace.yaml" >"$STATE/daemon.log" 2>&1 &
    echo $! > "$STATE/daemon.pid"; log "Dagster daemon (sensors, schedules)"
  fi
  if [ "$WANT_UI" = 1 ] && ! pid_alive "$STATE/webserver.pid"; then
    nohup "$BIN/dagster-webserver" -w "$STATE/workspace.yaml" -h 127.0.0.1 -p "$UI_PORT" >"$STATE/webserver.log" 2>&1 &
    echo $! > "$STATE/webserver.pid"; log "Dagster UI on http://127.0.0.1:$UI_PORT"
  fi
}

wait_ready() {
  # The lake's bucket and the Dagster schema in PostgreSQL; then every worker answering the broker.
  "$PY" - "$WORKERS" <<'EOF'
import os, sys, time, urllib.request
deadline = time.monotonic() + 60
while True:
    try:
        urllib.request.urlopen(os.environ["AWS_ENDPOINT_URL"], timeout=2)
        break
    except Exception as err:  # noqa: BLE001 - not up yet
        if time.monotonic() > deadline:
            raise SystemExit(f"the S3 server at {os.environ['AWS_ENDPOINT_URL']} did not answer: {err}")
        time.sleep(0.2)
from cjd_assets.lake import ObjectLake
ObjectLake.from_env().ensure_bucket()
import dagster as dg
with dg.DagsterInstance.get() as instance:  # creates or migrates the Dagster tables
    instance.get_runs(limit=1)
from dagster._grpc.client import DagsterGrpcClient
client = DagsterGrpcClient(host="127.0.0.1", port=int(os.environ["CJD_CODE_PORT"]))
deadline = time.monotonic() + 120
while True:
    try:
        client.ping("ready")
        break
    except Exception as err:  # noqa: BLE001 - still importing the code location
        if time.monotonic() > deadline:
            raise SystemExit(f"the code server did not answer: {err}; see code_server.log in the state folder")
        time.sleep(0.5)
from dagster_celery.make_app import make_app
app = make_app()
want, deadline = int(sys.argv[1]), time.monotonic() + 120
while True:
    names = sorted((app.control.inspect(timeout=1).ping() or {}).keys())
    if len([n for n in names if n.startswith("cjd-worker")]) >= want:
        print("[distributed] workers ready:", ", ".join(names), file=sys.stderr)
        break
    if time.monotonic() > deadline:
        raise SystemExit(f"only {names} of {want} Celery workers answered; see the worker logs in the state folder")
    time.sleep(0.5)
EOF
}

PG_PORT=${CJD_PG_PORT:-55433}
REDIS_PORT=${CJD_REDIS_PORT:-56380}
S3_PORT=${CJD_S3_PORT:-59010}
UI_PORT=${CJD_UI_PORT:-53000}
CODE_PORT=${CJD_CODE_PORT:-54000}
WORKERS=${CJD_WORKERS:-2}
WANT_DAEMON=0
WANT_UI=0

cmd=${1:-status}; shift || true
case "$cmd" in
  up)
    for a in "$@"; do case "$a" in --daemon) WANT_DAEMON=1;; --ui) WANT_UI=1;; *) die "unknown option $a";; esac; done
    [ "$WORKERS" -ge 1 ] || die "CJD_WORKERS must be at least 1"
    mkdir -p "$STATE/dagster_home"
    install_missing
    start_postgres
    write_env "$(cat "$STATE/pg.password")"
    coordinator=run_coordinator.yaml; [ "$WANT_DAEMON" = 1 ] && coordinator=run_coordinator_daemon.yaml
    cat "$ROOT/deploy/dagster.yaml" "$ROOT/deploy/$coordinator" > "$STATE/dagster_home/dagster.yaml"
    # shellcheck disable=SC1091
    . "$STATE/env.sh"
    mkdir -p "$CJD_LANDING_DIR" "$CJD_LAKE_DIR" "$(dirname "$CJD_DUCKDB")"
    start_redis
    start_s3
    start_workers
    start_code_server
    wait_ready
    start_dagster_services
    log "up: state in $STATE; \`. $STATE/env.sh\` to use it from a shell"
    ;;
  down)
    # All at once: a worker's warm shutdown (finishing its run) need not wait for the others.
    for f in "$STATE"/{webserver,daemon,s3,redis}.pid "$STATE"/worker*.pid; do
      [ -e "$f" ] && stop_pidfile "$f" &
    done
    # The gRPC code server holds no state and does not exit on TERM (it waits for a shutdown call).
    stop_pidfile "$STATE/code_server.pid" 10 &
    stop_postgres &
    wait
    # The PostgreSQL folder of a root run sits outside the state folder: remove it with the rest.
    if [ "${1:-}" = "--purge" ]; then
      pgd=$(cat "$STATE/pg.dir" 2>/dev/null || true)
      case "$pgd" in /tmp/cjd-pg.*) rm -rf "$pgd";; esac
      rm -rf "$STATE"
    fi
    log "down"
    ;;
  status)
    for f in redis s3 code_server daemon webserver; do
      [ -f "$STATE/$f.pid" ] && { pid_alive "$STATE/$f.pid" && log "$f: running (pid $(cat "$STATE/$f.pid"))" || log "$f: stopped"; }
    done
    for f in "$STATE"/worker*.pid; do
      [ -e "$f" ] && { pid_alive "$f" && log "$(basename "$f" .pid): running (pid $(cat "$f"))" || log "$(basename "$f" .pid): stopped"; }
    done
    pgd=$(cat "$STATE/pg.dir" 2>/dev/null || true)
    if [ -n "$pgd" ] && [ -f "$pgd/data/postmaster.pid" ]; then log "postgres: running (pid $(head -1 "$pgd/data/postmaster.pid"))"; else log "postgres: stopped"; fi
    ;;
  env)
    cat "$STATE/env.sh"
    ;;
  backfill)
    [ $# -ge 1 ] || die "usage: $0 backfill FILE..."
    # With the daemon, its harvest_file_sensor harvests what is dropped into the landing folder; a backfill
    # beside it would race the sensor for the same files.
    pid_alive "$STATE/daemon.pid" && die "the daemon is running: copy the files into \$CJD_LANDING_DIR instead (its sensor backfills them)"
    # shellcheck disable=SC1091
    . "$STATE/env.sh"
    "$PY" -m cjd_assets.distributed backfill --workspace "$STATE/workspace.yaml" "$@"
    ;;
  analyse)
    # shellcheck disable=SC1091
    . "$STATE/env.sh"
    # The dedup stage loads new and changed lake partitions into DuckDB first (cjd_assets/lake.py).
    "$PY" -m cjd_assets.cli analyse
    ;;
  *)
    die "usage: $0 up [--daemon] [--ui] | backfill FILE... | analyse | status | env | down [--purge]"
    ;;
esac
