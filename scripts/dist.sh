#!/usr/bin/env bash
# Builds the binary to publish and to benchmark: profile `dist` (fat LTO, one
# codegen unit) and profile-guided optimisation (PGO).
#
#   bash scripts/dist.sh            → target/pgo/dist/annuaire
#
# PGO in three steps: an instrumented build records which branches and calls
# are hot while it builds and checks two training sites; LLVM merges those
# counts; the final build lays out and inlines code by them. Training uses the
# demo (content/) and a synthetic département of 1,000 places generated with
# département 64 and seed 7, not the benchmark's own datasets (département 59,
# the national sites, seed 64), so that the benchmark does not measure a
# binary trained on itself.
#
# The PGO binary must write the same site as the instrumented one, byte for
# byte, on both training sites: the script checks it and fails otherwise.
#
# Needs rustup's `llvm-tools` component (installed here if missing) for an
# llvm-profdata matching rustc's LLVM; Debian's llvm-profdata reads another
# profile version.
set -euo pipefail
cd "$(dirname "$0")/.."

work="${TMPDIR:-/tmp}/annuaire-pgo.$$"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"

sysroot="$(rustc --print sysroot)"
host="$(rustc -vV | sed -n 's/^host: //p')"
profdata="$sysroot/lib/rustlib/$host/bin/llvm-profdata"
if [ ! -x "$profdata" ]; then
  echo "== Installation de llvm-tools (rustup), pour llvm-profdata"
  rustup component add llvm-tools
fi

echo "== 1/3 Compilation instrumentée (target/pgo-instrumente)"
RUSTFLAGS="-Cprofile-generate=$work/profils" \
  cargo build --profile dist --locked --target-dir target/pgo-instrumente
instrumented=target/pgo-instrumente/dist/annuaire

echo "== Entraînement : démonstration et département synthétique (64, graine 7)"
python3 benches/donnees.py --lieux 1000 --departement 64 --seed 7 --sortie "$work/departement" >/dev/null
# A fixed date: both binaries must write the same bytes.
export SOURCE_DATE_EPOCH=1793491200
declare -A roots=([demo]=. [departement]="$work/departement")
for site in "${!roots[@]}"; do
  "$instrumented" check --root "${roots[$site]}" >/dev/null 2>&1
  "$instrumented" build --root "${roots[$site]}" --output "$work/attendu-$site" >/dev/null
done

echo "== 2/3 Fusion des profils"
"$profdata" merge -o "$work/annuaire.profdata" "$work/profils"

echo "== 3/3 Compilation guidée par le profil (target/pgo)"
RUSTFLAGS="-Cprofile-use=$work/annuaire.profdata -Cllvm-args=-pgo-warn-missing-function=false" \
  cargo build --profile dist --locked --target-dir target/pgo
final=target/pgo/dist/annuaire

echo "== Vérification : mêmes sites, octet pour octet"
for site in "${!roots[@]}"; do
  "$final" build --root "${roots[$site]}" --output "$work/obtenu-$site" >/dev/null
  if ! diff -r "$work/attendu-$site" "$work/obtenu-$site" >/dev/null; then
    echo "Le binaire optimisé n'écrit pas le même site que le binaire instrumenté ($site) :" >&2
    diff -rq "$work/attendu-$site" "$work/obtenu-$site" | head -20 >&2
    exit 1
  fi
done
echo "Binaire optimisé : $final"
