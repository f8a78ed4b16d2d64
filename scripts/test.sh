#!/usr/bin/env bash
# Runs every test: installs what the real-client tests need (npm packages,
# Debian's chromium, redis-server and prometheus for promtool) when it is
# missing, builds the static binary of the container image, then runs the
# Rust test suites, which start the server (and Redis) and drive it with
# the npm socket.io-client and Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

# (again when package-lock.json changed since the last install)
if [ -f tests/node/package.json ] && { [ ! -d tests/node/node_modules ] ||
  [ tests/node/package-lock.json -nt tests/node/node_modules/.package-lock.json ]; }; then
  npm ci --prefix tests/node --no-audit --no-fund
fi
missing=()
if [ -f tests/node/package.json ] && grep -q playwright-core tests/node/package.json && ! command -v chromium >/dev/null; then
  missing+=(chromium)
fi
command -v redis-server >/dev/null || missing+=(redis-server)
command -v promtool >/dev/null || missing+=(prometheus)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing: ${missing[*]} (install Debian's packages: apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi
# The container image's static binary, for tests/e2e_static.rs (which runs
# it in an otherwise empty root directory; installs musl-tools when
# missing). SPECTRA_STATIC_BIN=skip leaves it out, and the test says so
# (not in CI, where CI=true makes its absence a failure).
if [ "${SPECTRA_STATIC_BIN:-}" = skip ]; then
  unset SPECTRA_STATIC_BIN
elif [ -z "${SPECTRA_STATIC_BIN:-}" ]; then
  SPECTRA_STATIC_BIN=$(scripts/image.sh binary)
  export SPECTRA_STATIC_BIN
fi
cargo test --release --workspace --all-targets
