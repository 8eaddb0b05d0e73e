#!/usr/bin/env bash
# Benchmark: `qbank build` per format on synthetic banks of 50 to 100,000
# questions, and genanki 0.13.1 writing the same notes, side by side.
#
#   bench/run.sh                 # every size (100,000 takes a few minutes)
#   bench/run.sh 50 1000 10000   # only these sizes
#   GENANKI_MAX=10000 bench/run.sh   # genanki up to this size (default 10000)
#   QBANK=/path/to/qbank bench/run.sh 10000   # another qbank binary (a baseline)
#
# For each size and format: the median wall time and CPU time (user + sys)
# and the median peak resident memory (GNU time's maximum RSS) over several
# runs (5 up to 1,000 questions, 3 at 10,000, 1 at 100,000). Every qbank run
# is a first build (no out/ and no bank.lock, like genanki, which has none),
# but for one row per size: a second build, on the lock a first one left.
# `qbank check` is timed on its own too.
# The booklet is timed up to 1,000 questions when this build has it.
# Results go to stdout and target/bench/results.md; BENCHMARKS.md records them.
#
# Needs: cargo, python3 with venv, GNU time (/usr/bin/time, Debian `time`).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/target/bench
mkdir -p "$work"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(50 1000 10000 100000)
genanki_max=${GENANKI_MAX:-10000}

[ -x /usr/bin/time ] || { echo "bench: GNU time is needed: apt-get install time" >&2; exit 2; }

cargo build --release --quiet --bin qbank --example synth
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
qbank=${QBANK:-$target_dir/release/qbank}  # QBANK=/path/to/qbank benches another build
synth=$target_dir/release/examples/synth

venv=$root/target/bench-venv
if ! "$venv/bin/python" -c 'import genanki, markdown' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check genanki==0.13.1 markdown==3.11.3
fi

calc() { awk "BEGIN { print $1 }"; }

runs_for() { if [ "$1" -le 1000 ]; then echo 5; elif [ "$1" -le 10000 ]; then echo 3; else echo 1; fi; }

# measure LABEL RUNS PREP CMD...: runs PREP then CMD RUNS times; prints
# "median_wall median_cpu median_rss_kb".
measure() {
  local runs=$1 prep=$2; shift 2
  local walls=() cpus=() rsss=()
  for _ in $(seq "$runs"); do
    eval "$prep"
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || {
      echo "bench: command failed: $*" >&2; cat "$work/stderr.txt" >&2; exit 1; }
    read -r wall user sys rss <"$work/time.txt"
    walls+=("$wall"); cpus+=("$(calc "$user + $sys")"); rsss+=("$rss")
  done
  median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
  echo "$(median "${walls[@]}") $(median "${cpus[@]}") $(median "${rsss[@]}")"
}

has_pdf=no
if "$qbank" build --content content --out "$work/probe" --format pdf >/dev/null 2>&1; then has_pdf=yes; fi

{
  echo "## Run of $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/Mem:/ {print $2}') GiB;" \
       "load average at start $(cut -d' ' -f1-3 /proc/loadavg); $(rustc --version)"
  echo
  echo "| questions | what | runs | wall s (median) | CPU s (median) | peak RSS MB (median) | output MB |"
  echo "|---:|---|---:|---:|---:|---:|---:|"
} | tee "$work/results.md"

row() { # questions what runs "wall cpu rss" output_bytes
  read -r wall cpu rss <<<"$4"
  printf '| %s | %s | %s | %.2f | %.2f | %.0f | %s |\n' "$1" "$2" "$3" "$wall" "$cpu" "$(calc "$rss / 1024")" \
    "$( [ -n "$5" ] && printf '%.2f' "$(calc "$5 / 1048576")" || echo -)" | tee -a "$work/results.md"
}

for n in "${sizes[@]}"; do
  bank=$work/banks/b$n
  if [ ! -f "$bank/bank.toml" ]; then
    rm -rf "$bank"
    "$synth" --questions "$n" --out "$bank" --from content 2>/dev/null
  fi
  runs=$(runs_for "$n")
  out=$work/out$n
  prep="rm -rf '$out' '$bank/bank.lock'"
  m=$(measure "$runs" "$prep" "$qbank" check --content "$bank")
  row "$n" "qbank check" "$runs" "$m" ""
  formats=(apkg csv apkg,csv)
  if [ "$has_pdf" = yes ] && [ "$n" -le 1000 ]; then formats+=(pdf apkg,pdf,csv); fi
  for f in "${formats[@]}"; do
    m=$(measure "$runs" "$prep" "$qbank" build --content "$bank" --out "$out" --format "$f")
    size=""
    [ "$f" = apkg ] && size=$(stat -c %s "$out/synthetic-$n.apkg")
    [ "$f" = apkg ] && qbank_apkg="$m" && qbank_size=$size
    row "$n" "qbank $f" "$runs" "$m" "$size"
  done
  # A second build: the lock of a first build is there (a release after the
  # first); the first build is made in the preparation, not timed.
  second="$prep; '$qbank' build --content '$bank' --out '$out' --format apkg >/dev/null 2>&1; rm -rf '$out'"
  m=$(measure "$runs" "$second" "$qbank" build --content "$bank" --out "$out" --format apkg,csv)
  row "$n" "qbank apkg,csv (second build, with bank.lock)" "$runs" "$m" ""
  if [ "$n" -le "$genanki_max" ]; then
    m=$(measure "$runs" "rm -f '$work/genanki.apkg'" "$venv/bin/python" bench/genanki_build.py "$bank" "$work/genanki.apkg")
    size=$(stat -c %s "$work/genanki.apkg")
    row "$n" "genanki 0.13.1 apkg" "$runs" "$m" "$size"
    read -r qw qc qr <<<"$qbank_apkg"; read -r gw gc gr <<<"$m"
    printf '| %s | **qbank/genanki (apkg)** | | %.3f | %.3f | %.3f | %.3f |\n' "$n" \
      "$(calc "$qw / $gw")" "$(calc "$qc / $gc")" "$(calc "$qr / $gr")" \
      "$(calc "$qbank_size / $size")" | tee -a "$work/results.md"
  fi
done

# The canonical bank, every format this build has, as a user runs it.
m=$(measure 5 "rm -rf '$work/out-content'" "$qbank" build --content content --out "$work/out-content" --locked)
row "$(ls content/*/*.md | wc -l) (content/)" "qbank all formats" 5 "$m" ""
