#!/usr/bin/env bash
# A short run of every fuzz target (FUZZ_SECONDS each, default 15) from its
# committed corpus, with cargo-fuzz on nightly. New inputs go to a scratch
# directory, not to the committed corpus. Without nightly or cargo-fuzz the
# smoke is skipped, saying why. No sanitizer (`-s none`): the server
# library forbids unsafe code, so AddressSanitizer would only slow it; the stable replay of every corpus file
# (`cargo test --manifest-path fuzz/Cargo.toml --lib`) runs either way.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${FUZZ_SECONDS:-15}
if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz smoke SKIPPED: no nightly toolchain here (cargo-fuzz needs nightly); only the stable corpus replay ran"
    exit 0
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz smoke: installing cargo-fuzz"
    if ! cargo install cargo-fuzz --locked >/dev/null 2>&1; then
        echo "fuzz smoke SKIPPED: cargo-fuzz could not be installed; only the stable corpus replay ran"
        exit 0
    fi
fi
cargo +nightly fuzz build -s none
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in $(cargo +nightly fuzz list); do
    mkdir -p "$scratch/$target"
    seeds=()
    [ -d "corpus/$target" ] && seeds+=("corpus/$target")
    echo "fuzz smoke: $target for ${secs}s"
    log="$scratch/$target.log"
    if ! cargo +nightly fuzz run -s none "$target" "$scratch/$target" "${seeds[@]}" -- \
        -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
        tail -60 "$log"
        echo "fuzz smoke FAILED: $target (the crash input is under fuzz/artifacts/$target/)"
        exit 1
    fi
    grep -E '^stat::number_of_executed_units' "$log" || true
done
