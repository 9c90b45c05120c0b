#!/usr/bin/env bash
# Macro compile cost against bare axum (issue 19 target 2): for each N, the
# wall time of `cargo build` (debug, dependencies built) after touching the
# app's main.rs, median of 5, for the clerk-runtime app and the bare axum one.
# Usage: bench/compile/run.sh [N ...]   (default 100 400 1000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-/tmp/clerk-compile-bench}
export CARGO_TARGET_DIR=$out/target
sizes=("${@:-100 400 1000}")
[ $# -eq 0 ] && sizes=(100 400 1000)
mkdir -p "$out"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf "%-6s %10s %10s %7s\n" N clerk_s axum_s ratio
for n in "${sizes[@]}"; do
  python3 "$here/gen.py" "$out" "$n"
  for app in clerk axum; do
    dir=$out/$app-$n
    (cd "$dir" && cargo build -q)  # dependencies and a first build
    times=()
    for _ in 1 2 3 4 5; do
      touch "$dir/src/main.rs"
      start=$(date +%s.%N)
      (cd "$dir" && cargo build -q)
      end=$(date +%s.%N)
      times+=("$(echo "$end - $start" | bc)")
    done
    eval "${app}_t=$(printf '%s\n' "${times[@]}" | median)"
  done
  printf "%-6s %10.2f %10.2f %6.2fx\n" "$n" "$clerk_t" "$axum_t" "$(echo "$clerk_t / $axum_t" | bc -l)"
done
