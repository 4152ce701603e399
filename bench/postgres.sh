#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the `scale` benchmark, with production durability: fsync,
# synchronous_commit and full_page_writes on (the defaults), unlike the test cluster (.ci/postgres),
# which turns them off. Its own folder, loopback only, a free port.
#   eval "$(bash bench/postgres.sh start)"   starts it (or finds it running) and prints the export of
#                                            ENCONTACT_BENCH_POSTGRES, the admin connection string
#   bash bench/postgres.sh stop              stops it and removes its folder
# Needs the distribution's postgresql package (initdb, pg_ctl). PostgreSQL refuses to run as root,
# so under root the cluster runs as the package's 'postgres' user.
# Memory settings are those of a small dedicated server (1 GiB of shared buffers, room for the WAL of
# an edition between checkpoints); override with BENCH_POSTGRES_OPTIONS (extra -c settings).
set -euo pipefail

state="${ENCONTACT_BENCH_POSTGRES_DIR:-${TMPDIR:-/tmp}/encontact-bench-postgres}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
[ -n "$bin" ] && [ -x "$bin/initdb" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    if [ -f "$state/port" ] && as_owner "$bin/pg_ctl" -D "$state/data" status >/dev/null 2>&1; then
      port="$(cat "$state/port")"
    else
      rm -rf "$state"
      mkdir -p "$state"
      [ "$(id -u)" = 0 ] && chown postgres "$state"
      port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
      as_owner "$bin/initdb" -D "$state/data" -U encontact --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$state/initdb.log" 2>&1 \
        || { cat "$state/initdb.log" >&2; exit 1; }
      as_owner "$bin/pg_ctl" -D "$state/data" -l "$state/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $state -c max_connections=200 -c fsync=on -c synchronous_commit=on -c full_page_writes=on -c shared_buffers=1GB -c max_wal_size=8GB -c checkpoint_timeout=15min ${BENCH_POSTGRES_OPTIONS:-}" \
        start >/dev/null || { cat "$state/server.log" >&2; exit 1; }
      echo "$port" >"$state/port"
    fi
    echo "export ENCONTACT_BENCH_POSTGRES='Host=127.0.0.1;Port=$port;Username=encontact;Database=postgres'"
    ;;
  stop)
    if [ -d "$state/data" ]; then
      as_owner "$bin/pg_ctl" -D "$state/data" -m fast stop >/dev/null 2>&1 || true
    fi
    rm -rf "$state"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
