#!/usr/bin/env bash
# Booklet benchmark (not a test): pages per second and peak memory of
# `qbank build --format pdf` for the real bank and for a large bank made by
# repeating the real one (default 20 times: 1,000 questions).
#
#   bench/pdf.sh [REPEATS]
#
# Needs /usr/bin/time (Debian package `time`). Builds the release binary once.
set -euo pipefail
cd "$(dirname "$0")/.."
repeats="${1:-20}"
[ -x /usr/bin/time ] || { echo "bench/pdf.sh needs /usr/bin/time (Debian package: time)" >&2; exit 2; }

cargo build --release --quiet
target="${CARGO_TARGET_DIR:-target}"
qbank="$target/release/qbank"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A large bank: every question of content/ repeated, ids made unique.
big="$work/big"
mkdir -p "$big"
cp content/bank.toml "$big/"
[ -f content/intro.md ] && cp content/intro.md "$big/"
[ -d content/media ] && cp -r content/media "$big/"
for dir in content/*/; do
  name="$(basename "$dir")"
  [ "$name" = media ] && continue
  mkdir -p "$big/$name"
  for r in $(seq -w 1 "$repeats"); do
    for f in "$dir"*.md; do
      sed -E "s/^id = \"(.*)\"/id = \"\\1-r$r\"/" "$f" > "$big/$name/r$r-$(basename "$f")"
    done
  done
done

run() {
  local label="$1" content="$2" out="$work/out-$1"
  /usr/bin/time -v "$qbank" build --format pdf --content "$content" --out "$out" \
    > "$work/$label.out" 2> "$work/$label.time"
  local pages secs rss size
  pages="$(grep -oE '[0-9]+ pages' "$work/$label.out" | grep -oE '[0-9]+')"
  secs="$(grep 'Elapsed (wall clock)' "$work/$label.time" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')"
  rss="$(grep 'Maximum resident set size' "$work/$label.time" | awk '{print $NF}')"
  size="$(stat -c %s "$out"/*.pdf)"
  printf '%-8s questions=%-5s pages=%-5s seconds=%-7s pages/s=%-7s peak_MB=%-7s pdf_KB=%s\n' \
    "$label" "$(grep -rl '^id = ' "$content"/*/ | wc -l)" "$pages" "$secs" \
    "$(awk -v p="$pages" -v s="$secs" 'BEGIN { printf "%.0f", p / s }')" \
    "$(awk -v k="$rss" 'BEGIN { printf "%.0f", k / 1024 }')" "$((size / 1024))"
}

run real content
run large "$big"
