#!/bin/bash
# Entrypoint of the locally built postgres images (Debian's postgresql), after
# the official image's: honours POSTGRES_PASSWORD, POSTGRES_USER, POSTGRES_DB,
# POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD and /docker-entrypoint-initdb.d
# (*.sh, *.sql); runs the server as the postgres user.
set -Eeuo pipefail
if [ "${1:0:1}" = '-' ]; then
  set -- postgres "$@"
fi
export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  chmod 3777 /var/run/postgresql
  exec runuser -u postgres -- "$BASH_SOURCE" "$@"
fi
if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  user="${POSTGRES_USER:-postgres}"
  db="${POSTGRES_DB:-$user}"
  auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
    cat >&2 <<'MSG'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".
       Or set POSTGRES_HOST_AUTH_METHOD=trust to allow all connections without a password.
MSG
    exit 1
  fi
  pwargs=()
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    pwfile="$(mktemp)"
    printf '%s' "$POSTGRES_PASSWORD" > "$pwfile"
    pwargs=(--pwfile="$pwfile")
  fi
  # shellcheck disable=SC2086
  initdb --username="$user" "${pwargs[@]}" -D "$PGDATA" --auth-local=trust ${POSTGRES_INITDB_ARGS:-}
  [ -n "${pwfile:-}" ] && rm -f "$pwfile"
  printf '\nhost all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"
  printf "\nlisten_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
  shopt -s nullglob
  inits=(/docker-entrypoint-initdb.d/*)
  if [ "$db" != postgres ] || [ ${#inits[@]} -gt 0 ]; then
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
    if [ "$db" != postgres ]; then
      psql -v ON_ERROR_STOP=1 --username "$user" --dbname postgres -c "CREATE DATABASE \"$db\";"
    fi
    for f in "${inits[@]}"; do
      case "$f" in
        *.sh) echo "running $f"; . "$f" ;;
        *.sql) echo "running $f"; psql -v ON_ERROR_STOP=1 --username "$user" --dbname "$db" -f "$f" ;;
        *) echo "ignoring $f" ;;
      esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop
  fi
  echo "PostgreSQL init process complete; ready for start up."
fi
exec "$@"
