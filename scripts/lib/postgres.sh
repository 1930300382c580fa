# Sourced by scripts/test: a throwaway PostgreSQL cluster on loopback for the test suite.
# Uses the machine's initdb/pg_ctl; installs Debian's postgresql package when they are
# missing and we are root. Sets NT24_TEST_DATABASE_URL; the cluster is removed on exit.

find_pg_bin() {
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/pg_ctl" ] && echo "$dir"
}

start_postgres() {
  local bin
  bin=$(find_pg_bin || true)
  if [ -z "$bin" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "Installing PostgreSQL (Debian package postgresql) ..."
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      bin=$(find_pg_bin)
    else
      echo "PostgreSQL is needed for the tests: install the 'postgresql' package" \
           "(or put initdb and pg_ctl on PATH) and run again." >&2
      exit 1
    fi
  fi
  PG_ROOT=$(mktemp -d /tmp/nt24-pg.XXXXXX)
  local run_as=()
  if [ "$(id -u)" = 0 ]; then
    # PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$PG_ROOT"
    run_as=(runuser -u postgres --)
  fi
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "${run_as[@]}" "$bin/initdb" -D "$PG_ROOT/data" -U postgres -A trust -E UTF8 --no-sync >/dev/null
  "${run_as[@]}" "$bin/pg_ctl" -D "$PG_ROOT/data" -l "$PG_ROOT/log" -w -t 60 start \
    -o "-h 127.0.0.1 -p $PG_PORT -k $PG_ROOT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null
  PG_BIN="$bin"
  PG_RUN_AS=("${run_as[@]}")
  trap stop_postgres EXIT
  "$bin/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "CREATE DATABASE nt24_test" >/dev/null
  export NT24_TEST_DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:$PG_PORT/nt24_test"
  echo "PostgreSQL ready on 127.0.0.1:$PG_PORT"
}

stop_postgres() {
  if [ -n "${PG_ROOT:-}" ]; then
    "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_ROOT/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_ROOT"
  fi
}
