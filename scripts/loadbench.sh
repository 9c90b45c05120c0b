#!/usr/bin/env bash
# Load bench (issue 7): one small-JSON axum route, served
#   bare                 no middleware (requests still carry the bearer token)
#   raw                  the floor: split, base64url, serde parse, RSA verify with a
#                        pre-parsed key, no other check; a new token every request
#   clerk-cached         ClerkLayer + #[protect] route, the same token every request
#   clerk-cold           ClerkLayer + #[protect] route, a new token every request
#   clerk-nocache        (opt-in: MODES=...) the same with the token cache off
#   jwt-authorizer       jwt-authorizer (latest) layer, a new token every request
#   jsonwebtoken         hand-written middleware calling jsonwebtoken::decode, new token
#   example-cached       the example app (`--example app`, Clerk mode: CLERK_JWT_KEY),
#   example-cold         GET /api/data (a SQLite query), same token / a new token
#                        each request: its RSS under load (issue 7), not a ratio
#   example-public       the example's #[public] JSON route (GET /api/public/bench),
#   example-protected    and its #[protect] + #[claims(SessionExtras)] JSON route
#                        (GET /api/protected), the same token every request: the
#                        pair issue 19 compares
# Server: 1 tokio worker pinned to core $SERVER_CPU; wrk: 1 thread on core $WRK_CPU;
# loopback only. Rounds alternate the order (A B .. B A) so drift hits every mode alike.
# Prints a markdown table: req/s (median of rounds, range), ratio to bare, p99,
# server CPU time per request, server RSS.
#
# Usage: scripts/loadbench.sh            (DURATION=10 WARMUP=2 ROUNDS=2 CONNS=32 POOL=100000)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
export CARGO_TARGET_DIR=$BENCH/target
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
ROUNDS=${ROUNDS:-2}
CONNS=${CONNS:-32}
# Distinct tokens for the cold modes. A token enters the verifier's cache on
# its second sighting, if its fingerprint is still in its doorkeeper slot
# (16 384 of them): with 100 000 tokens going round, e^-6 of them (0.2%) are
# remembered a round later, so the cold modes stay cold.
POOL=${POOL:-100000}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPU=${WRK_CPU:-1}
PORT=${PORT:-38080}
MODES=${MODES:-"bare raw clerk-cached clerk-cold jwt-authorizer jsonwebtoken example-cached example-cold example-public example-protected"}

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing wrk (Debian package)..." >&2
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else
    echo "wrk is needed: 'sudo apt-get install wrk' (Debian/Ubuntu) or build it from its" >&2
    echo "source (it is a small C program); then run this script again." >&2
    exit 1
  fi
fi
for tool in taskset nproc; do
  command -v $tool >/dev/null || { echo "$tool is needed (util-linux / coreutils)" >&2; exit 1; }
done
if [ "$(nproc)" -lt 2 ]; then
  echo "need 2 cores (server and wrk on separate ones); this machine has $(nproc)" >&2
  exit 1
fi

echo "building the bench server (release)..." >&2
cargo build --release --quiet --manifest-path "$BENCH/Cargo.toml"
BIN=$CARGO_TARGET_DIR/release/loadbench
EXAMPLE=$CARGO_TARGET_DIR/release/examples/app
if [[ " $MODES " == *" example-"* ]]; then
  echo "building the example app (release)..." >&2
  cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" -p clerk-examples --example app
fi
DATA=$CARGO_TARGET_DIR/tokens-$POOL
if [ ! -s "$DATA/tokens.txt" ] || [ ! -s "$DATA/key.pem" ]; then
  echo "minting $POOL tokens (once; kept in $DATA)..." >&2
  "$BIN" mint "$DATA" "$POOL"
fi

RESULTS=$(mktemp)
EXAMPLE_DB=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$RESULTS" "$EXAMPLE_DB"
}
trap cleanup EXIT

CLK_TCK=$(getconf CLK_TCK)
# utime + stime of a process, in clock ticks.
cpu_ticks() {
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

wait_for_port() {
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "server did not start on port $PORT" >&2
  return 1
}

run_mode() {
  local mode=$1 server tokens path=/api/data
  case $mode in
    # The same bearer header as the auth modes: bytes on the wire are equal,
    # so the ratio is the auth layer's cost alone.
    bare) server=bare; tokens=$DATA/token.txt ;;
    raw) server=raw; tokens=$DATA/tokens.txt ;;
    clerk-cached) server=clerk; tokens=$DATA/token.txt ;;
    clerk-cold) server=clerk; tokens=$DATA/tokens.txt ;;
    clerk-nocache) server=clerk-nocache; tokens=$DATA/tokens.txt ;;
    jwt-authorizer) server=jwt-authorizer; tokens=$DATA/tokens.txt ;;
    jsonwebtoken) server=jsonwebtoken; tokens=$DATA/tokens.txt ;;
    example-cached) server=example; tokens=$DATA/token.txt ;;
    example-cold) server=example; tokens=$DATA/tokens.txt ;;
    example-public) server=example; tokens=$DATA/token.txt; path=/api/public/bench ;;
    example-protected) server=example; tokens=$DATA/token.txt; path=/api/protected ;;
    *) echo "unknown mode $mode" >&2; return 1 ;;
  esac
  if [ "$server" = example ]; then
    # Real-Clerk mode with networkless keys: what a deployment runs, fed
    # the bench tokens (an org admin with org:data:read). One worker, as
    # every other mode.
    CLERK_JWT_KEY=$(cat "$DATA/key.pem") CLERK_ISSUER=https://clerk.bench.example.com \
      CLERK_AUTHORIZED_PARTIES=https://app.example.com RUST_LOG=warn PORT=$PORT \
      DATABASE_URL=$EXAMPLE_DB/app.db TOKIO_WORKER_THREADS=1 \
      taskset -c "$SERVER_CPU" "$EXAMPLE" >/dev/null 2>&1 &
  else
    taskset -c "$SERVER_CPU" "$BIN" serve "$server" "$DATA" "$PORT" 2>/dev/null &
  fi
  SERVER_PID=$!
  wait_for_port
  local url=http://127.0.0.1:$PORT$path
  TOKENS=$tokens taskset -c "$WRK_CPU" wrk -t1 -c"$CONNS" -d"${WARMUP}s" \
    -s "$BENCH/wrk.lua" "$url" >/dev/null
  local line cpu_before cpu_after
  cpu_before=$(cpu_ticks "$SERVER_PID")
  line=$(TOKENS=$tokens taskset -c "$WRK_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" \
    -s "$BENCH/wrk.lua" "$url" | grep '^RESULT')
  cpu_after=$(cpu_ticks "$SERVER_PID")
  local rss
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
  kill "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
  # RESULT req/s p99_us errors requests
  set -- $line
  # Server CPU time per request: unlike req/s, barely moved by other load.
  local cpu_us
  cpu_us=$(awk -v t=$((cpu_after - cpu_before)) -v hz="$CLK_TCK" -v n="$5" \
    'BEGIN { printf "%.1f", t * 1e6 / hz / n }')
  echo "$mode $2 $3 $4 $rss $cpu_us $round" >>"$RESULTS"
  printf '  %-15s %8s req/s  p99 %6s us  errors %s  RSS %s KiB  CPU %s us/req\n' \
    "$mode" "$2" "$3" "$4" "$rss" "$cpu_us" >&2
}

read -r -a forward <<<"$MODES"
backward=()
for ((i = ${#forward[@]} - 1; i >= 0; i--)); do backward+=("${forward[i]}"); done
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round/$ROUNDS (${DURATION}s per mode after ${WARMUP}s warm-up, $CONNS connections)" >&2
  if ((round % 2)); then order=("${forward[@]}"); else order=("${backward[@]}"); fi
  for mode in "${order[@]}"; do run_mode "$mode"; done
done

echo
echo "| mode | req/s (median, range) | ratio to bare | p99 latency | server CPU per request | server RSS | errors |"
echo "|---|---:|---:|---:|---:|---:|---:|"
# Medians of the rounds: one round disturbed by other load does not move them.
# Then paired ratios: each round runs two modes back to back, so their ratio
# in that round cancels the machine's slow spells, which the medians of the
# modes taken apart do not.
awk -v modes="$MODES" '
  function median(list,    v, n, i, j, t) {
    n = split(list, v, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
      t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
    }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  { n[$1]++; rps[$1] = rps[$1] " " $2; p99[$1] = p99[$1] " " $3; err[$1] += $4
    cpu[$1] = cpu[$1] " " $6; if ($5 > rss[$1]) rss[$1] = $5
    if (!($1 in lo) || $2 < lo[$1]) lo[$1] = $2; if ($2 > hi[$1]) hi[$1] = $2
    in_round[$1, $7] = $2; if ($7 > rounds) rounds = $7 }
  END {
    bare = ("bare" in n) ? median(rps["bare"]) : 0
    split(modes, order, " ")
    for (k = 1; k in order; k++) {
      m = order[k]; if (!(m in n)) continue
      r = median(rps[m])
      ratio = bare > 0 ? sprintf("%.2f×", r / bare) : "n/a"
      printf "| %s | %.0f (%.0f–%.0f) | %s | %.2f ms | %.1f µs | %.1f MiB | %d |\n", \
        m, r, lo[m], hi[m], ratio, median(p99[m]) / 1000, median(cpu[m]), rss[m] / 1024, err[m]
    }
    print ""
    pairs = split("clerk-cached bare clerk-cold jwt-authorizer clerk-cold raw clerk-nocache jwt-authorizer example-protected example-public", p, " ")
    for (k = 1; k < pairs; k += 2) {
      a = p[k]; b = p[k + 1]; list = ""
      for (r = 1; r <= rounds; r++)
        if ((a, r) in in_round && (b, r) in in_round && in_round[b, r] > 0)
          list = list " " sprintf("%.2f", in_round[a, r] / in_round[b, r])
      if (list != "") printf "%s / %s, per round:%s; median %.2f×\n", a, b, list, median(list)
    }
  }' "$RESULTS"
echo
echo "Machine: $(nproc) vCPU, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo);" \
  "$ROUNDS rounds x ${DURATION}s per mode, wrk -t1 -c$CONNS, server pinned to core $SERVER_CPU," \
  "wrk to core $WRK_CPU; token $(head -c 2000 "$DATA/token.txt" | tr -d '\n' | wc -c) bytes, RS256 2048-bit."
