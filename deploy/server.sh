#!/usr/bin/env bash
# A Postgres-backed Prefect server, the `transnorm` process work pool, the deployments of
# deploy/prefect.yaml and one worker, on this machine.
#
#   TRANSNORM_STORE=s3://bucket/prefix deploy/server.sh start
#   deploy/server.sh status
#   deploy/server.sh stop
#
# Variables (defaults in brackets):
#   TRANSNORM_STORE     where documents go; required (no default: an empty store URL
#                       would be an error in every flow run)
#   TRANSNORM_HOME      the checkout the worker runs code from [this checkout]; the
#                       deployments' pull step is set_working_directory to it
#   PREFECT_PORT        the server's port on 127.0.0.1 [4200]
#   PG_CLUSTER          Debian PostgreSQL cluster [15/main], started if down (as root)
#   PG_DB, PG_USER, PG_PASSWORD   database and role, created if absent [prefect, prefect, prefect]
#   WORKER_LIMIT        flow runs the worker runs at once [4]
#   STATE_DIR           logs and pid files [$TRANSNORM_HOME/.prefect-server]
# The worker also needs what the flows read: AWS credentials and AWS_ENDPOINT_URL for a
# bucket (boto3's usual chain), ARGOS_PACKAGES_DIR for translation models.
set -euo pipefail

HERE="$(cd "$(dirname "$0")/.." && pwd)"
TRANSNORM_HOME="${TRANSNORM_HOME:-$HERE}"
PREFECT_PORT="${PREFECT_PORT:-4200}"
PG_CLUSTER="${PG_CLUSTER:-15/main}"
PG_DB="${PG_DB:-prefect}"
PG_USER="${PG_USER:-prefect}"
PG_PASSWORD="${PG_PASSWORD:-prefect}"
WORKER_LIMIT="${WORKER_LIMIT:-4}"
STATE_DIR="${STATE_DIR:-$TRANSNORM_HOME/.prefect-server}"
BIN="${BIN:-$TRANSNORM_HOME/.venv/bin}"
export PREFECT_API_URL="http://127.0.0.1:$PREFECT_PORT/api"
export DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false

say() { echo "server.sh: $*" >&2; }

start_postgres() {
    local version="${PG_CLUSTER%/*}" name="${PG_CLUSTER#*/}"
    if ! pg_ctlcluster --skip-systemctl-redirect "$version" "$name" status >/dev/null 2>&1; then
        say "starting PostgreSQL cluster $PG_CLUSTER"
        pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start
    fi
    # Peer authentication over the local socket as postgres; idempotent.
    runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtA <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE "$PG_USER" LOGIN PASSWORD '$PG_PASSWORD';
  END IF;
END \$\$;
SQL
    if [ -z "$(runuser -u postgres -- psql -qtAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" ]; then
        runuser -u postgres -- createdb -O "$PG_USER" "$PG_DB"
    fi
}

wait_healthy() {
    for _ in $(seq 1 120); do
        if curl -fsS "$PREFECT_API_URL/health" >/dev/null 2>&1; then return 0; fi
        sleep 1
    done
    say "the Prefect server did not answer in 120 s; see $STATE_DIR/server.log"
    return 1
}

start() {
    if [ -z "${TRANSNORM_STORE:-}" ]; then
        say "TRANSNORM_STORE is not set: give the store URL (s3://bucket/prefix, a folder or prefect-block://NAME)"
        exit 2
    fi
    mkdir -p "$STATE_DIR"
    start_postgres
    export PREFECT_API_DATABASE_CONNECTION_URL="postgresql+asyncpg://$PG_USER:$PG_PASSWORD@127.0.0.1:5432/$PG_DB"
    say "starting the Prefect server on 127.0.0.1:$PREFECT_PORT (database $PG_DB)"
    setsid "$BIN/prefect" server start --host 127.0.0.1 --port "$PREFECT_PORT" >"$STATE_DIR/server.log" 2>&1 &
    echo $! >"$STATE_DIR/server.pid"
    wait_healthy
    "$BIN/prefect" work-pool inspect transnorm >/dev/null 2>&1 || "$BIN/prefect" work-pool create transnorm --type process >/dev/null
    (cd "$TRANSNORM_HOME" && TRANSNORM_HOME="$TRANSNORM_HOME" TRANSNORM_STORE="$TRANSNORM_STORE" \
        "$BIN/prefect" --no-prompt deploy --prefect-file deploy/prefect.yaml --all >"$STATE_DIR/deploy.log" 2>&1) \
        || { say "prefect deploy failed; see $STATE_DIR/deploy.log"; exit 1; }
    say "starting a worker on pool transnorm (up to $WORKER_LIMIT runs at once)"
    (cd "$TRANSNORM_HOME" && setsid "$BIN/prefect" worker start --pool transnorm --limit "$WORKER_LIMIT" >"$STATE_DIR/worker.log" 2>&1 &
        echo $! >"$STATE_DIR/worker.pid")
    say "ready: PREFECT_API_URL=$PREFECT_API_URL"
}

stop_pid() {
    local file="$STATE_DIR/$1.pid"
    [ -f "$file" ] || return 0
    local pid; pid="$(cat "$file")"
    # Each was started in a session of its own: end the whole group (flow runs included).
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$file"
}

case "${1:-}" in
    start) start ;;
    stop) stop_pid worker; stop_pid server; say "stopped (PostgreSQL keeps running)" ;;
    status)
        for p in server worker; do
            if [ -f "$STATE_DIR/$p.pid" ] && kill -0 "$(cat "$STATE_DIR/$p.pid")" 2>/dev/null; then echo "$p: running"; else echo "$p: stopped"; fi
        done ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
