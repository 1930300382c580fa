# Sourced by scripts/dev, scripts/test and scripts/lock: create or reuse .venv and install into it
# the locked dependencies (requirements/runtime.txt, or requirements/test.txt with the test extras;
# pip checks every file against the lock's hashes), then the project itself without dependencies.
# Reinstalls only when pyproject.toml, a lock file (or the extras asked for) changed since the
# last install. A lock that lacks a dependency pyproject.toml declares (or pins it outside its
# range) stops it, unless a second argument, "stale-lock-ok", says scripts/lock writes it next.
ensure_venv() {
  local extras="$1" stale_lock_ok="${2:-}"
  local python="${PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Python 3.11 or newer is needed (found: $("$python" --version 2>&1))." >&2
    exit 1
  fi
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  local stamp=".venv/.installed"
  local lock="requirements/${extras:-runtime}.txt"
  local hash installed
  hash="$(cat pyproject.toml requirements/runtime.txt requirements/test.txt | sha256sum | cut -c1-16)"
  installed="$(cat "$stamp" 2>/dev/null || true)"
  # An install with the test extras also serves the run command.
  if [ "$installed" != "$hash-$extras" ] && { [ -n "$extras" ] || [ "$installed" != "$hash-test" ]; }; then
    echo "Installing $lock and the project into .venv ..."
    local pip=(.venv/bin/python -m pip install --disable-pip-version-check)
    # pip's chatter goes to a log, shown only when the install fails.
    if ! { "${pip[@]}" --require-hashes -r "$lock" && "${pip[@]}" --no-deps -e .; } \
        > .venv/install.log 2>&1; then
      grep -v "is ignored: it is neither a file nor a directory" .venv/install.log >&2
      echo "Installing the project failed (full log: .venv/install.log)." >&2
      exit 1
    fi
    if ! .venv/bin/python scripts/lib/lock_lag.py "$extras" > .venv/lock_lag.log 2>&1; then
      [ -n "$stale_lock_ok" ] && return 0 # no stamp: the next install checks again
      cat .venv/lock_lag.log >&2
      echo "$lock lags pyproject.toml: run scripts/lock and commit requirements/." >&2
      exit 1
    fi
    echo "$hash-$extras" > "$stamp"
  fi
}
