#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests, then browser tests
# (Chromium + Playwright + axe-core) on the demo site served on 127.0.0.1.
# Installs what is missing on a Debian machine (Chromium, Node packages).
set -euo pipefail
cd "$(dirname "$0")/.."

# rsync: tests/publication.rs runs the README's example of publishing on a
# département's own server.
if ! command -v rsync >/dev/null; then
  echo "== Installation de rsync (apt-get)"
  if [ "$(id -u)" -ne 0 ]; then
    echo "rsync is missing and this script is not run as root: install the Debian package rsync." >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q rsync >/dev/null ||
    { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -q >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q rsync >/dev/null; }
fi

echo "== Tests Rust"
cargo test --all-targets --locked

echo "== Tests JavaScript (logique du thème, sans navigateur)"
node --test tests/js/

if [ -f scripts/browser-tests.sh ]; then
  echo "== Tests navigateur"
  bash scripts/browser-tests.sh
fi
