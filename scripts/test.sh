#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests, then browser tests
# (Chromium + Playwright + axe-core) on the demo site served on 127.0.0.1.
# Installs what is missing on a Debian machine (Chromium, Node packages).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Tests Rust"
cargo test --all-targets --locked

echo "== Tests JavaScript (logique du thème, sans navigateur)"
node --test tests/js/

if [ -f scripts/browser-tests.sh ]; then
  echo "== Tests navigateur"
  bash scripts/browser-tests.sh
fi
