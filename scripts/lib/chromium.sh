# Sourced by scripts/test: the browser the web app's tests drive (Playwright, executable_path).
# No browser build can be downloaded here, so it is Debian's chromium package, installed when
# missing and we are root, the way scripts/lib/postgres.sh installs PostgreSQL. Exports
# NT24_CHROMIUM; without a browser the run stops here, saying so, instead of skipping tests.

ensure_chromium() {
  local found
  found=$(command -v chromium || command -v chromium-browser || true)
  if [ -z "$found" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "Installing Chromium (Debian package chromium) ..."
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
      found=$(command -v chromium || true)
    fi
  fi
  if [ -z "$found" ]; then
    echo "Chromium is needed for the web app's browser tests: install the 'chromium' package" \
         "(as root scripts/test does it) and run again." >&2
    exit 1
  fi
  export NT24_CHROMIUM="$found"
}
