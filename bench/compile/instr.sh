#!/usr/bin/env bash
# Instructions of an incremental rebuild (issue 19 target 2, the firm figure
# next to run.sh's wall times): for each N, each app's `main.rs` is touched
# and rebuilt under valgrind's cachegrind, and the instructions of the app's
# rustc and of the linker are printed apart. Deterministic to a fraction of
# a percent, where this machine's wall times swing by 20-30 % between rounds.
# Needs valgrind; one rebuild takes ~40 s under it.
# Usage: bench/compile/instr.sh [N ...]   (default 400; APPS="clerk axum manual")
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-/tmp/clerk-compile-bench}
apps=(${APPS:-clerk axum manual})
export CARGO_TARGET_DIR=$out/target
sizes=("$@")
[ $# -eq 0 ] && sizes=(400)
command -v valgrind >/dev/null || { echo "instr.sh needs valgrind" >&2; exit 1; }
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
# The linker, under its own cachegrind (rustc's does not follow it). Named
# neither `link` nor `ld`, from which rustc would infer another linker flavor.
cat >"$logs/vglink" <<EOF
#!/usr/bin/env bash
exec valgrind --tool=cachegrind --cache-sim=no --trace-children=yes \
  --cachegrind-out-file=/dev/null --log-file=$logs/link.%p.log cc "\$@"
EOF
chmod +x "$logs/vglink"
refs() { awk '/I *refs/ { gsub(",", "", $NF); s += $NF } END { printf "%.0f", s }' "$@"; }
printf "%-6s %-8s %10s %10s %10s\n" N app rustc_M link_M total_M
for n in "${sizes[@]}"; do
  python3 "$here/gen.py" "$out" "$n"
  for app in "${apps[@]}"; do
    cd "$out/$app-$n"
    # `cargo rustc` passes the linker to the app crate only, so the
    # dependencies stay built; a first build settles the new flags.
    cargo rustc -q -- -C linker="$logs/vglink" >/dev/null
    rm -f "$logs"/link.*.log "$logs/rustc.log"
    touch src/main.rs
    valgrind --tool=cachegrind --cache-sim=no --trace-children=yes \
      --trace-children-skip='*/vglink,*valgrind*' --cachegrind-out-file=/dev/null \
      --log-file="$logs/rustc.log" cargo rustc -q -- -C linker="$logs/vglink" >/dev/null
    pid=$(sed -nE 's/^==([0-9]+)== Command: .*rustc --crate-name.*/\1/p' "$logs/rustc.log" | head -n 1)
    rustc=$(grep "^==$pid==" "$logs/rustc.log" | refs)
    link=$(cat "$logs"/link.*.log | refs)
    printf "%-6s %-8s %10.0f %10.0f %10.0f\n" "$n" "$app" \
      "$(echo "$rustc / 1000000" | bc -l)" "$(echo "$link / 1000000" | bc -l)" \
      "$(echo "($rustc + $link) / 1000000" | bc -l)"
  done
done
