#!/usr/bin/env bash
# Runs the given command with a throw-away PostgreSQL cluster: Debian's packages (installed when
# missing), a data directory and a socket directory of its own in a temporary folder, a private TCP
# port on loopback, no system service and no data owned by root. The command finds it in
# MODERNO_TEST_DATABASE_URL (postgres://moderno@127.0.0.1:PORT/moderno, trust authentication on
# loopback only); the cluster is stopped and deleted when the command ends, however it ends.
# Safe to run twice, and side by side: each run has its own folder and port.
set -euo pipefail

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}
if ! pg_bin >/dev/null; then
  echo "==> installing PostgreSQL (apt: postgresql)"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  # Only the programs: Debian's package would otherwise create and start a system cluster
  # ("main") that nothing here uses.
  $sudo mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.d/moderno-no-main.conf >/dev/null
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
bin=$(pg_bin)

# initdb refuses to run as root: the cluster belongs to the postgres user when we are root, to
# us otherwise.
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  as_owner=(runuser -u postgres --)
fi
folder=$(mktemp -d /tmp/moderno-pg.XXXXXX)
chmod 755 "$folder"
[ "${#as_owner[@]}" -gt 0 ] && chown postgres: "$folder"
data="$folder/data"
cleanup() {
  "${as_owner[@]}" "$bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$folder"
}
trap cleanup EXIT

"${as_owner[@]}" "$bin/initdb" -D "$data" -A trust -U moderno --no-sync >"$folder/initdb.log" 2>&1 \
  || { cat "$folder/initdb.log" >&2; exit 1; }

# Connections: a test with two instances opens some 90 (five schemas' pools and listeners per
# instance), and cargo runs one test per core at once.
connections=$(( 200 + 150 * $(nproc) ))
# A private port: a random one, and another if something holds it.
started=""
for _ in 1 2 3 4 5; do
  port=$(shuf -i 20000-59999 -n 1)
  if "${as_owner[@]}" "$bin/pg_ctl" -D "$data" -l "$folder/server.log" -w -t 30 \
    -o "-p $port -k $folder -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=$connections" start >/dev/null; then
    started=1
    break
  fi
done
if [ -z "$started" ]; then
  echo "with-postgres.sh: the throw-away cluster did not start:" >&2
  cat "$folder/server.log" >&2
  exit 1
fi
"${as_owner[@]}" "$bin/createdb" -h "$folder" -p "$port" -U moderno moderno

export MODERNO_TEST_DATABASE_URL="postgres://moderno@127.0.0.1:$port/moderno"
# Tests that need PostgreSQL fail, not skip, when it is missing.
export MODERNO_REQUIRE_POSTGRES=1
echo "with-postgres.sh: a throw-away PostgreSQL at $MODERNO_TEST_DATABASE_URL"
"$@"
