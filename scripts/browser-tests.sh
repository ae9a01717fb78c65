#!/usr/bin/env bash
# Browser tests of the demo site: Debian's Chromium driven by playwright-core,
# with axe-core, on pages served on 127.0.0.1 only (never the internet).
#
#   bash scripts/browser-tests.sh                 (called by scripts/test.sh)
#   bash scripts/browser-tests.sh tests/browser/axe.test.mjs   (some files only,
#                                                  paths from the repository root)
#
# 1. Installs what is missing, quietly and only once: Chromium (apt, as root)
#    and the pinned Node packages of tests/browser/ (npm ci from the lockfile).
# 2. Builds the demo site under a sub-path, http://127.0.0.1:PORT/sous-dossier/,
#    served by tests/browser/server.mjs on a free port.
# 3. Runs tests/browser/*.test.mjs with Node's test runner. Screenshots and the
#    print PDF are left in tests/browser/artifacts/ (git-ignored).
# Exits non-zero if anything fails. Variables: BROWSER_TESTS_CONCURRENCY
# (test files run at once, default 2), CARGO_TARGET_DIR, ANNUAIRE_BIN (use this
# annuaire binary instead of building target/debug/annuaire).
set -euo pipefail
cd "$(dirname "$0")/.."

browser_dir=tests/browser
chromium=/usr/bin/chromium

# ------------------------------------------------------------ 1. installs
if [ ! -x "$chromium" ]; then
  echo "== Installation de Chromium (apt-get)"
  if [ "$(id -u)" -ne 0 ]; then
    echo "Chromium ($chromium) is missing and this script is not run as root: install the Debian package chromium." >&2
    exit 1
  fi
  apt_log=$(mktemp)
  if ! { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -q &&
         DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q chromium; } >"$apt_log" 2>&1; then
    cat "$apt_log" >&2
    rm -f "$apt_log"
    echo "apt-get install chromium failed" >&2
    exit 1
  fi
  rm -f "$apt_log"
fi

if ! command -v node >/dev/null || ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  echo "Node.js 20 or later is needed (node --test, playwright-core)." >&2
  exit 1
fi

# Never let Playwright download a browser: Debian's Chromium is used.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
stamp="$browser_dir/node_modules/.annuaire-lock.sha256"
want=$(cat "$browser_dir/package.json" "$browser_dir/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] ||
   [ ! -f "$browser_dir/node_modules/playwright-core/package.json" ] ||
   [ ! -f "$browser_dir/node_modules/axe-core/package.json" ]; then
  echo "== npm ci (tests/browser)"
  npm_log=$(mktemp)
  if ! (cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error) >"$npm_log" 2>&1; then
    cat "$npm_log" >&2
    rm -f "$npm_log"
    echo "npm ci failed in $browser_dir" >&2
    exit 1
  fi
  rm -f "$npm_log"
  echo "$want" >"$stamp"
fi

# ------------------------------------------------------------ 2. build and serve
if [ -n "${ANNUAIRE_BIN:-}" ]; then
  annuaire=$ANNUAIRE_BIN   # an already built binary (debugging the tests)
else
  cargo build --locked --quiet
  annuaire="${CARGO_TARGET_DIR:-target}/debug/annuaire"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/annuaire-navigateur.XXXXXX")
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$tmp/site" "$tmp/tmp"
# The server reads files at each request: start it first on a free port (0),
# then build the site for the port it got.
node "$browser_dir/server.mjs" "$tmp/site" 0 >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
port=
for _ in $(seq 1 100); do
  port=$(sed -n 's/^PORT=\([0-9][0-9]*\)$/\1/p' "$tmp/server.out")
  [ -n "$port" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "$port" ]; then
  cat "$tmp/server.err" >&2
  echo "the test server did not start" >&2
  exit 1
fi

base_url="http://127.0.0.1:$port/sous-dossier/"
site_dir="$tmp/site/sous-dossier"
# A fixed date: the same build, and the same screenshots, every time.
export SOURCE_DATE_EPOCH=1704067200
# The demo, with its map tiles taken from the test server's stub instead of
# the internet: a copy of the site root whose configuration says so.
demo_root="$tmp/demo"
mkdir -p "$demo_root"
cp -R content static themes "$demo_root/"
cp annuaire.yaml "$demo_root/annuaire.yaml"
printf 'carte:\n  tuiles: "http://127.0.0.1:%s/__tuiles/{z}/{x}/{y}.png"\n  attribution: "© Essai – tuiles de test"\n' "$port" >>"$demo_root/annuaire.yaml"
if ! "$annuaire" build --root "$demo_root" --output "$site_dir" --base-url "$base_url" >"$tmp/build.log" 2>&1; then
  cat "$tmp/build.log" >&2
  echo "annuaire build failed" >&2
  exit 1
fi
echo "== Site de démonstration servi sur $base_url (captures d'écran : $browser_dir/artifacts/)"

# ------------------------------------------------------------ 3. tests
if [ "$#" -gt 0 ]; then
  tests=("$@")             # some test files only, e.g. tests/browser/axe.test.mjs
else
  tests=("$browser_dir/")  # every tests/browser/*.test.mjs
  rm -rf "$browser_dir/artifacts"
fi
mkdir -p "$browser_dir/artifacts"
set +e
# TMPDIR: playwright-core makes each Chromium's fresh profile (mkdtemp) there.
ANNUAIRE_BASE_URL="$base_url" ANNUAIRE_SITE_DIR="$site_dir" TMPDIR="$tmp/tmp" \
  timeout --foreground --kill-after=10 600 \
  node --test --test-reporter=spec --test-concurrency="${BROWSER_TESTS_CONCURRENCY:-2}" "${tests[@]}"
status=$?
set -e
if [ "$status" -ne 0 ]; then
  echo "Tests navigateur : ÉCHEC (code $status)." >&2
  exit "$status"
fi
