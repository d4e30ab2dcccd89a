#!/usr/bin/env bash
# A private PostgreSQL cluster for the tests, from Debian's postgresql
# package (scripts/install-deps.sh --test): initdb and pg_ctl in DIR, a
# Unix socket in DIR and no TCP port, trust for local connections, UTF-8.
# Run as root, the cluster belongs to the postgres user (initdb refuses root).
#
#   pg_cluster.sh start DIR [PORT]    prints the libpq connection string
#   pg_cluster.sh restart DIR         stops (fast: clients are cut off) and starts it again
#                                     (or starts it, after stop-keep)
#   pg_cluster.sh stop-keep DIR       stops it (fast), keeping DIR for a restart
#   pg_cluster.sh stop DIR            stops it and removes DIR
set -euo pipefail
cmd=${1:?usage: pg_cluster.sh start|restart|stop-keep|stop DIR [PORT]}
dir=${2:?usage: pg_cluster.sh start|restart|stop-keep|stop DIR [PORT]}
port=${3:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
if [ -z "$bin" ]; then
  echo "pg_cluster: PostgreSQL is not installed (scripts/install-deps.sh --test installs it)" >&2
  exit 1
fi
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
  start)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-k $dir -p $port -c listen_addresses= -c max_connections=200" start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    echo "host=$dir port=$port user=postgres"
    ;;
  restart)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-k $dir -p $(cat "$dir/port") -c listen_addresses= -c max_connections=200" start >/dev/null
    ;;
  stop-keep)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "pg_cluster: unknown command $cmd" >&2
    exit 2
    ;;
esac
