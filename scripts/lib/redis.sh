# Sourced by scripts/test: a throwaway Redis on loopback for the tests that share rate limits
# and principals across API processes. Uses the machine's redis-server; installs Debian's
# redis-server package when it is missing and we are root. Sets NT24_TEST_REDIS_URL; the server
# and its folder are removed by stop_redis.

start_redis() {
  if ! command -v redis-server >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "Installing Redis (Debian package redis-server) ..."
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    else
      echo "Redis is needed for the tests: install the 'redis-server' package and run again." >&2
      exit 1
    fi
  fi
  REDIS_ROOT=$(mktemp -d /tmp/nt24-redis.XXXXXX)
  REDIS_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$REDIS_ROOT" \
    --save "" --appendonly no --daemonize yes --pidfile "$REDIS_ROOT/redis.pid" \
    --logfile "$REDIS_ROOT/log" >/dev/null
  local tries=0
  until redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ]; then
      echo "Redis did not start: $(cat "$REDIS_ROOT/log" 2>/dev/null)" >&2
      exit 1
    fi
    sleep 0.1
  done
  export NT24_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  echo "Redis ready on 127.0.0.1:$REDIS_PORT"
}

stop_redis() {
  if [ -n "${REDIS_ROOT:-}" ]; then
    if [ -f "$REDIS_ROOT/redis.pid" ]; then
      kill "$(cat "$REDIS_ROOT/redis.pid")" 2>/dev/null || true
      sleep 0.2
    fi
    rm -rf "$REDIS_ROOT"
  fi
}
