#!/usr/bin/env bash
# Booklet benchmark (not a test): wall time, pages per second, bytes per page
# and peak memory of `qbank build --format pdf` for the real bank, of the
# default `qbank build` (all formats), and of a large bank made by repeating
# the real one (default 20 times: 1,000 questions). Each is run RUNS times
# (default 5); the medians are printed.
#
#   bench/pdf.sh [REPEATS] [RUNS]
#
# Needs /usr/bin/time (Debian package `time`). Builds the release binary once.
set -euo pipefail
cd "$(dirname "$0")/.."
repeats="${1:-20}"
runs="${2:-5}"
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
# The intro's cross-references point at the first copy of each question.
first="$(seq -w 1 "$repeats" | head -1)"
[ -f content/intro.md ] && sed -E "s/\\]\\(#([a-z0-9-]+)\\)/](#\\1-r$first)/g" content/intro.md > "$big/intro.md"
[ -d content/media ] && cp -r content/media "$big/"
for dir in content/*/; do
  name="$(basename "$dir")"
  [ "$name" = media ] && continue
  if [ "$name" = theme ]; then cp -r "$dir" "$big/"; continue; fi
  compgen -G "$dir*.md" > /dev/null || continue
  mkdir -p "$big/$name"
  for r in $(seq -w 1 "$repeats"); do
    for f in "$dir"*.md; do
      sed -E "s/^id = \"(.*)\"/id = \"\\1-r$r\"/" "$f" > "$big/$name/r$r-$(basename "$f")"
    done
  done
done

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# run LABEL CONTENT FORMATS: RUNS builds; medians of wall seconds and peak RSS.
run() {
  local label="$1" content="$2" formats="$3" out="$work/out-$1"
  local secs_all="" rss_all="" pages="" size=""
  for _ in $(seq "$runs"); do
    rm -rf "$out"
    /usr/bin/time -v "$qbank" build --format "$formats" --content "$content" --out "$out" \
      > "$work/$label.out" 2> "$work/$label.time"
    secs_all+="$(grep 'Elapsed (wall clock)' "$work/$label.time" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')"$'\n'
    rss_all+="$(grep 'Maximum resident set size' "$work/$label.time" | awk '{print $NF}')"$'\n'
  done
  pages="$(grep -oE 'pdf: [0-9]+ pages' "$work/$label.out" | grep -oE '[0-9]+')"
  size="$(stat -c %s "$out"/*.pdf)"
  local secs rss
  secs="$(printf '%s' "$secs_all" | median)"
  rss="$(printf '%s' "$rss_all" | median)"
  printf '%-9s formats=%-13s questions=%-5s pages=%-5s median_s=%-6s pages/s=%-5s bytes/page=%-6s peak_MB=%-5s pdf_KB=%s\n' \
    "$label" "$formats" "$(grep -rl '^id = ' "$content"/*/ | wc -l)" "$pages" "$secs" \
    "$(awk -v p="$pages" -v s="$secs" 'BEGIN { printf "%.0f", p / s }')" \
    "$((size / pages))" \
    "$(awk -v k="$rss" 'BEGIN { printf "%.0f", k / 1024 }')" "$((size / 1024))"
}

run real content pdf
run default content apkg,pdf,csv
run large "$big" pdf
