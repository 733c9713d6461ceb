#!/usr/bin/env bash
# Development cluster: a local PostgreSQL and Redis from Debian's packages, and two Parley
# instances on one database (README, "Run on PostgreSQL and Redis").
#
#   npm run cluster                   ports 3001 and 3002, data in ./data/cluster
#   CLUSTER_PORTS="4001 4002 4003" npm run cluster
#
# Needs: apt-get install postgresql redis-server. Ctrl+C stops everything; the data stays
# in $CLUSTER_DIR for the next run (delete the folder to start afresh).
set -euo pipefail
cd "$(dirname "$0")/../.."

CLUSTER_DIR="${CLUSTER_DIR:-${INIT_CWD:-$PWD}/data/cluster}"
CLUSTER_PORTS="${CLUSTER_PORTS:-3001 3002}"
PG_PORT="${CLUSTER_PG_PORT:-55432}"
REDIS_PORT="${CLUSTER_REDIS_PORT:-56379}"
mkdir -p "$CLUSTER_DIR"
CLUSTER_DIR="$(cd "$CLUSTER_DIR" && pwd)"

pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
if [[ -z "$pg_bin" ]]; then
  echo "PostgreSQL is not installed: apt-get install postgresql" >&2
  exit 2
fi
if ! command -v redis-server >/dev/null; then
  echo "Redis is not installed: apt-get install redis-server" >&2
  exit 2
fi

# PostgreSQL refuses to run as root: run its binaries as the postgres user, on a folder it owns.
as_pg() { if [[ "$(id -u)" -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_data="$CLUSTER_DIR/postgres"
if [[ ! -s "$pg_data/PG_VERSION" ]]; then
  mkdir -p "$pg_data"
  [[ "$(id -u)" -eq 0 ]] && chown postgres:postgres "$pg_data" "$CLUSTER_DIR"
  as_pg "$pg_bin/initdb" -D "$pg_data" -U parley --auth=trust >/dev/null
fi
as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w \
  -o "-p $PG_PORT -k $pg_data -c listen_addresses=127.0.0.1" start >/dev/null
as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U parley parley 2>/dev/null || true

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$CLUSTER_DIR" \
  >"$CLUSTER_DIR/redis.log" 2>&1 &
redis_pid=$!

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
  kill "$redis_pid" 2>/dev/null || true
  as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast stop >/dev/null || true
}
trap stop INT TERM EXIT

# Built once, before both instances start (each would otherwise race to build).
npm run --silent build:if-needed --workspace client
npm run --silent build:if-needed --workspace server

export PARLEY_DATABASE_URL="postgres://parley@127.0.0.1:$PG_PORT/parley"
export PARLEY_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
first=1
for port in $CLUSTER_PORTS; do
  mkdir -p "$CLUSTER_DIR/instance-$port"
  # The first starts alone: it migrates the schema and creates the demo board, which the others find.
  PORT="$port" PARLEY_DATA_DIR="$CLUSTER_DIR/instance-$port" \
    node server/dist/main.js &
  pids+=($!)
  if [[ $first -eq 1 ]]; then
    until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
      kill -0 "${pids[-1]}" 2>/dev/null || { echo "the instance on port $port did not start" >&2; exit 1; }
      sleep 0.2
    done
    first=0
  fi
done
echo "Parley on PostgreSQL ($PARLEY_DATABASE_URL) and Redis ($PARLEY_REDIS_URL):"
for port in $CLUSTER_PORTS; do echo "  http://localhost:$port"; done
wait -n "${pids[@]}"
