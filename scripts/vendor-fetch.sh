#!/usr/bin/env bash
# Downloads the map libraries from the npm registry, checks them, and copies
# only the files the map page needs into themes/default/static/vendor/.
#
#   bash scripts/vendor-fetch.sh
#
# Versions are pinned and so is each tarball's sha512 integrity (the value
# `npm view <paquet>@<version> dist.integrity` reports): a tarball that changed
# on the registry makes the script fail before anything is written. To move to
# a new version, change VERSION and INTEGRITY below (read the new integrity
# with `npm view`), run the script, and read the diff of vendor/.
# Needs npm, node and tar. Writes nothing
# outside themes/default/static/vendor/ and a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."

vendor=themes/default/static/vendor

# package  version  sha512 integrity of the npm tarball
packages=(
  "leaflet 1.9.4 sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=="
  "leaflet.markercluster 1.5.3 sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA=="
)

# Files kept from each tarball (paths inside its package/ folder).
files_for() {
  case "$1" in
    leaflet)
      echo "dist/leaflet.js dist/leaflet.css dist/images/layers.png dist/images/layers-2x.png dist/images/marker-icon.png dist/images/marker-icon-2x.png dist/images/marker-shadow.png LICENSE"
      ;;
    leaflet.markercluster)
      echo "dist/leaflet.markercluster.js dist/MarkerCluster.css dist/MarkerCluster.Default.css MIT-LICENCE.txt"
      ;;
    *) echo "no file list for $1" >&2; return 1 ;;
  esac
}

for tool in npm node tar; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/annuaire-vendor.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# 1. Download and check every tarball before writing anything.
for entry in "${packages[@]}"; do
  read -r name version integrity <<<"$entry"
  echo "== $name@$version"
  registry=$(npm view "$name@$version" dist.integrity 2>/dev/null)
  if [ "$registry" != "$integrity" ]; then
    echo "$name@$version: the registry reports integrity « $registry », this script expects « $integrity »" >&2
    exit 1
  fi
  mkdir -p "$tmp/$name"
  tarball=$(cd "$tmp/$name" && npm pack "$name@$version" --silent 2>/dev/null | tail -n 1)
  [ -f "$tmp/$name/$tarball" ] || { echo "npm pack $name@$version produced no tarball" >&2; exit 1; }
  actual="sha512-$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$tmp/$name/$tarball")"
  if [ "$actual" != "$integrity" ]; then
    echo "$name@$version: the tarball's integrity is « $actual », expected « $integrity »" >&2
    exit 1
  fi
  tar -xzf "$tmp/$name/$tarball" -C "$tmp/$name"
  got=$(node -p 'require(process.argv[1]).version' "$tmp/$name/package/package.json")
  if [ "$got" != "$version" ]; then
    echo "$name: package.json says version $got, expected $version" >&2
    exit 1
  fi
  for f in $(files_for "$name"); do
    [ -f "$tmp/$name/package/$f" ] || { echo "$name@$version has no $f" >&2; exit 1; }
  done
done

# 2. Replace vendor/ with exactly the kept files.
rm -rf "$vendor"
mkdir -p "$vendor"
for entry in "${packages[@]}"; do
  read -r name version integrity <<<"$entry"
  dest="$vendor/$name"
  for f in $(files_for "$name"); do
    rel=${f#dist/}
    case "$f" in
      LICENSE | *LICEN[CS]E*) rel=LICENSE ;;
    esac
    mkdir -p "$(dirname "$dest/$rel")"
    cp "$tmp/$name/package/$f" "$dest/$rel"
  done
  # The version, read from the package's own package.json.
  node -e 'const p=require(process.argv[1]);process.stdout.write(JSON.stringify({name:p.name,version:p.version,license:p.license},null,2)+"\n")' \
    "$tmp/$name/package/package.json" >"$dest/package.json"
done

# 3. The README of vendor/, in French.
{
  echo "# Bibliothèques tierces de la carte"
  echo
  echo "Ces fichiers sont copiés tels quels depuis le registre npm par \`bash scripts/vendor-fetch.sh\` :"
  echo "ne les modifiez pas à la main. Pour changer de version, modifiez la version et l'empreinte"
  echo "(\`npm view <paquet>@<version> dist.integrity\`) dans le script, relancez-le et relisez le diff."
  echo "Le script refuse une archive dont l'empreinte sha512 diffère de celle qu'il attend."
  echo
  echo "Le site les sert lui-même : la carte ne charge aucun script depuis un autre site."
  echo
  echo "| paquet | version | licence | empreinte de l'archive npm (sha512) |"
  echo "| --- | --- | --- | --- |"
  for entry in "${packages[@]}"; do
    read -r name version integrity <<<"$entry"
    licence=$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).license' "$vendor/$name/package.json")
    echo "| \`$name\` | $version | $licence (\`$name/LICENSE\`) | \`$integrity\` |"
  done
  echo
  echo "Fichiers gardés :"
  echo
  for entry in "${packages[@]}"; do
    read -r name _ _ <<<"$entry"
    echo "- \`$name/\` : $(cd "$vendor/$name" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | sed 's/.*/`&`/' | paste -sd, - | sed 's/,/, /g')"
  done
  echo
  echo "Commande : \`bash scripts/vendor-fetch.sh\` (télécharge avec \`npm pack <paquet>@<version>\`,"
  echo "vérifie l'empreinte, puis ne garde que les fichiers ci-dessus, la licence et la version)."
} >"$vendor/README.md"

echo "== vendor/ à jour :"
(cd "$vendor" && find . -type f | LC_ALL=C sort | xargs ls -l | awk '{print $5, $9}')
