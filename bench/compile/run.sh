#!/usr/bin/env bash
# Macro compile cost against bare axum (issue 19 target 2): for each N, the
# wall time of `cargo build` (debug, dependencies built) after touching the
# app's main.rs, for the clerk-runtime app (macros), the bare axum one, and
# the axum one behind ClerkLayer with hand-written checks (gen.py). The
# three are rebuilt in turn, $ROUNDS times, so a slow spell of the machine
# hits all three alike; printed: the median of each, and the medians of the
# per-round ratios.
# Usage: bench/compile/run.sh [N ...]   (default 100 400 1000; ROUNDS=7)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-/tmp/clerk-compile-bench}
rounds=${ROUNDS:-7}
export CARGO_TARGET_DIR=$out/target
sizes=("$@")
[ $# -eq 0 ] && sizes=(100 400 1000)
mkdir -p "$out"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
apps=(clerk axum manual)
printf "%-6s %9s %9s %9s %12s %12s %12s\n" N clerk_s axum_s manual_s clerk/axum clerk/manual manual/axum
for n in "${sizes[@]}"; do
  python3 "$here/gen.py" "$out" "$n"
  for app in "${apps[@]}"; do
    (cd "$out/$app-$n" && cargo build -q)  # dependencies and a first build
  done
  declare -A times=() ratios=()
  for _ in $(seq 1 "$rounds"); do
    declare -A t=()
    for app in "${apps[@]}"; do
      dir=$out/$app-$n
      touch "$dir/src/main.rs"
      start=$(date +%s.%N)
      (cd "$dir" && cargo build -q)
      end=$(date +%s.%N)
      t[$app]=$(echo "$end - $start" | bc)
      times[$app]+="${t[$app]} "
    done
    ratios[ca]+="$(echo "${t[clerk]} / ${t[axum]}" | bc -l) "
    ratios[cm]+="$(echo "${t[clerk]} / ${t[manual]}" | bc -l) "
    ratios[ma]+="$(echo "${t[manual]} / ${t[axum]}" | bc -l) "
  done
  m() { tr ' ' '\n' <<<"$1" | grep . | median; }
  printf "%-6s %9.2f %9.2f %9.2f %11.2fx %11.2fx %11.2fx\n" "$n" \
    "$(m "${times[clerk]}")" "$(m "${times[axum]}")" "$(m "${times[manual]}")" \
    "$(m "${ratios[ca]}")" "$(m "${ratios[cm]}")" "$(m "${ratios[ma]}")"
  unset times ratios
done
