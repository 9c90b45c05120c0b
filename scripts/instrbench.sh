#!/usr/bin/env bash
# Instructions per request (issue 19), for machines too noisy for req/s:
# the servers of scripts/loadbench.sh run under valgrind's callgrind, which
# counts instructions, the same count for the same binary and input whatever
# else the machine does. For each mode: start the server (1 worker), send a
# warm-up, zero the counters, drive it with wrk -c1 for $DURATION s, dump,
# and divide the instructions by the requests wrk completed.
#
# Instructions are not time (a cache miss or a large memcpy costs more than
# its count), so this complements the load bench's req/s and CPU time; the
# ratios it prints are of the same pairs.
#
# Usage: scripts/instrbench.sh   (MODES="bare raw clerk-cached clerk-cold example-public example-protected" DURATION=10)
# KEEP=<dir> keeps each mode's profile as <dir>/<mode>.callgrind, for
# `callgrind_annotate --inclusive=yes` (where the instructions of a mode go).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
export CARGO_TARGET_DIR=$BENCH/target
DURATION=${DURATION:-10}
POOL=${POOL:-100000}
PORT=${PORT:-38081}
MODES=${MODES:-"bare raw clerk-cached clerk-cold example-public example-protected"}

for tool in valgrind callgrind_control wrk; do
  command -v $tool >/dev/null || { echo "$tool is needed (Debian: valgrind, wrk)" >&2; exit 1; }
done

echo "building the bench server and the example app (release)..." >&2
cargo build --release --quiet --manifest-path "$BENCH/Cargo.toml"
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" -p clerk-examples --example app
BIN=$CARGO_TARGET_DIR/release/loadbench
EXAMPLE=$CARGO_TARGET_DIR/release/examples/app
DATA=$CARGO_TARGET_DIR/tokens-$POOL
if [ ! -s "$DATA/tokens.txt" ] || [ ! -s "$DATA/key.pem" ]; then
  "$BIN" mint "$DATA" "$POOL"
fi

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_for_port() {
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "server did not start on port $PORT" >&2
  return 1
}

declare -A IR
for mode in $MODES; do
  path=/api/data server=$mode tokens=$DATA/tokens.txt
  case $mode in
    bare) tokens=$DATA/token.txt ;;
    raw) ;;
    clerk-cached) server=clerk; tokens=$DATA/token.txt ;;
    clerk-cold) server=clerk ;;
    example-public) server=example; tokens=$DATA/token.txt; path=/api/public/bench ;;
    example-protected) server=example; tokens=$DATA/token.txt; path=/api/protected ;;
    *) echo "unknown mode $mode" >&2; exit 1 ;;
  esac
  out=$WORK/$mode.out
  vg=(valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out")
  if [ "$server" = example ]; then
    CLERK_JWT_KEY=$(cat "$DATA/key.pem") CLERK_ISSUER=https://clerk.bench.example.com \
      CLERK_AUTHORIZED_PARTIES=https://app.example.com RUST_LOG=warn PORT=$PORT \
      DATABASE_URL=$WORK/app.db TOKIO_WORKER_THREADS=1 \
      "${vg[@]}" "$EXAMPLE" >/dev/null 2>"$WORK/$mode.log" &
  else
    "${vg[@]}" "$BIN" serve "$server" "$DATA" "$PORT" >/dev/null 2>"$WORK/$mode.log" &
  fi
  SERVER_PID=$!
  wait_for_port
  callgrind_control -i on "$SERVER_PID" >/dev/null
  TOKENS=$tokens wrk -t1 -c1 -d2s -s "$BENCH/wrk.lua" "http://127.0.0.1:$PORT$path" >/dev/null
  callgrind_control -z "$SERVER_PID" >/dev/null
  line=$(TOKENS=$tokens wrk -t1 -c1 -d"${DURATION}s" -s "$BENCH/wrk.lua" \
    "http://127.0.0.1:$PORT$path" | grep '^RESULT')
  callgrind_control -d "$SERVER_PID" >/dev/null
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
  set -- $line
  requests=$5
  # The dump after zeroing is `<out>.1` (`<out>` itself is written at exit);
  # its `summary:` line is Ir.
  ir=$(awk '/^summary:/ { print $2 }' "$out.1")
  if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$out.1" "$KEEP/$mode.callgrind"; fi
  IR[$mode]=$(awk -v ir="$ir" -v n="$requests" 'BEGIN { printf "%.0f", ir / n }')
  printf '  %-18s %9s instructions/request (%s requests)\n' "$mode" "${IR[$mode]}" "$requests" >&2
done

echo
echo "| mode | instructions per request |"
echo "|---|---:|"
for mode in $MODES; do echo "| $mode | ${IR[$mode]} |"; done
echo
# Ratios as req/s would be if time followed instructions: fewer is faster.
for pair in "clerk-cached bare" "clerk-cold raw" "example-protected example-public"; do
  set -- $pair
  if [ -n "${IR[$1]:-}" ] && [ -n "${IR[$2]:-}" ]; then
    awk -v a="${IR[$1]}" -v b="${IR[$2]}" -v n1="$1" -v n2="$2" \
      'BEGIN { printf "%s / %s: %.3f× (%+d instructions a request)\n", n1, n2, b / a, a - b }'
  fi
done
