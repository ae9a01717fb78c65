#!/usr/bin/env bash
# Two annuaire binaries built in alternation on the same site: A, B, A, B…
# The machine's speed drifts by 10–25 % from one hour to the next, so two
# binaries are only compared when their builds interleave.
#
#   bash benches/alterner.sh JEU BINAIRE_A BINAIRE_B [PAIRES]
#
# JEU: a site folder (python3 benches/donnees.py … --sortie JEU). Each build
# writes to /dev/shm/annuaire-alterner, deleted (outside the measure) and
# given 3 s to settle before each build. Prints, per build, wall time, user
# and system CPU, peak memory and page faults (GNU time), then the median
# wall time of each binary.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage : bash benches/alterner.sh JEU BINAIRE_A BINAIRE_B [PAIRES]" >&2
  exit 2
fi
site=$1; a=$2; b=$3; pairs=${4:-5}
out=/dev/shm/annuaire-alterner
command -v /usr/bin/time >/dev/null || { echo "GNU time manque : apt-get install -y time" >&2; exit 2; }
declare -A walls=([A]="" [B]="")
for i in $(seq 1 "$pairs"); do
  for which in A B; do
    bin=$a; [ "$which" = B ] && bin=$b
    rm -rf "$out"; sleep 3
    line=$(/usr/bin/time -f "%e %U %S %M %R" "$bin" build --root "$site" --output "$out" 2>&1 >/dev/null | tail -n 1)
    read -r wall user sys rss faults <<<"$line"
    printf '%s #%d : %s s réel, %s s utilisateur, %s s système, %d Mio, %s défauts de page\n' \
      "$which" "$i" "$wall" "$user" "$sys" "$((rss / 1024))" "$faults"
    walls[$which]+="$wall "
  done
done
rm -rf "$out"
for which in A B; do
  median=$(tr ' ' '\n' <<<"${walls[$which]}" | grep . | sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}')
  echo "$which : médiane ${median} s"
done
