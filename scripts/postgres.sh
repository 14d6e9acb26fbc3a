#!/usr/bin/env bash
# Start/stop a throwaway PostgreSQL 15 server for tests, on a loopback port, in var/pg.
# `eval "$(bash scripts/postgres.sh start)"` exports ATTAIN_TEST_POSTGRES_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
PGDIR="$PWD/var/pg"
PORT="${ATTAIN_PG_PORT:-55432}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -n "$BIN" ] || { echo "echo 'PostgreSQL binaries not found: run scripts/bootstrap.sh' >&2; exit 1"; exit 1; }
RUNAS=()
if [ "$(id -u)" -eq 0 ]; then
  id -u attainpg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin attainpg
  RUNAS=(runuser -u attainpg --)
fi

case "${1:-start}" in
  start)
    if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
      mkdir -p "$PGDIR"
      if [ ${#RUNAS[@]} -gt 0 ]; then chown -R attainpg "$PGDIR" 2>/dev/null || true; fi
      "${RUNAS[@]}" "$BIN/initdb" -D "$PGDIR/data" -U attain --auth=trust -E UTF8 >"$PGDIR/initdb.log" 2>&1
    fi
    if [ ${#RUNAS[@]} -gt 0 ]; then chown -R attainpg "$PGDIR" 2>/dev/null || true; fi
    if ! "${RUNAS[@]}" "$BIN/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
      "${RUNAS[@]}" "$BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PGDIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null
    fi
    "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U attain -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='attain_test'" | grep -q 1 \
      || "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U attain attain_test
    echo "export ATTAIN_TEST_POSTGRES_URL=postgresql+psycopg://attain@127.0.0.1:$PORT/attain_test"
    ;;
  stop)
    "${RUNAS[@]}" "$BIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
