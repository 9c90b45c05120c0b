# Fuzz smoke run for .ci/run (for the lead to paste after `cargo test --workspace`).
# Runs every cargo-fuzz target for 30 s when cargo-fuzz is installed, with the
# nightly toolchain if there is one, else stable with RUSTC_BOOTSTRAP=1 (which
# libfuzzer-sys and `-Zsanitizer` accept). Without cargo-fuzz it prints a note
# and never fails CI; a crash found by a target does fail CI.
if cargo fuzz --help >/dev/null 2>&1; then
  (
    cd fuzz
    if rustup run nightly rustc --version >/dev/null 2>&1; then
      fuzz() { cargo +nightly fuzz "$@"; }
    else
      fuzz() { RUSTC_BOOTSTRAP=1 cargo fuzz "$@"; }
    fi
    for target in $(fuzz list); do
      mkdir -p "corpus/$target"
      fuzz run -O "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time=30 -rss_limit_mb=2048
    done
  )
else
  echo "note: cargo-fuzz is not installed; skipping the fuzz smoke run" >&2
fi
