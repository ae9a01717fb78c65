#!/usr/bin/env bash
# Builds the demo site (Pyrénées-Atlantiques) and serves it on
# http://127.0.0.1:1111/, rebuilding at every change of content/, themes/,
# static/ or annuaire.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --locked -- serve --root . --port "${PORT:-1111}"
