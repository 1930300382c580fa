# Sourced by scripts/dev and scripts/test: create or reuse .venv and install the project into it.
# Reinstalls only when pyproject.toml (or the extras asked for) changed since the last install.
ensure_venv() {
  local extras="$1"
  local python="${PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Python 3.11 or newer is needed (found: $("$python" --version 2>&1))." >&2
    exit 1
  fi
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  local stamp=".venv/.installed"
  local hash installed
  hash="$(sha256sum pyproject.toml | cut -c1-16)"
  installed="$(cat "$stamp" 2>/dev/null || true)"
  # An install with the test extras also serves the run command.
  if [ "$installed" != "$hash-$extras" ] && { [ -n "$extras" ] || [ "$installed" != "$hash-test" ]; }; then
    echo "Installing the project into .venv ..."
    local target="."
    [ -n "$extras" ] && target=".[${extras}]"
    # pip's chatter goes to a log, shown only when the install fails.
    if ! .venv/bin/python -m pip install --disable-pip-version-check -e "$target" \
        > .venv/install.log 2>&1; then
      grep -v "is ignored: it is neither a file nor a directory" .venv/install.log >&2
      echo "Installing the project failed (full log: .venv/install.log)." >&2
      exit 1
    fi
    echo "$hash-$extras" > "$stamp"
  fi
}
