#!/usr/bin/env bash
# Fuzzes vquad for new inputs: the targets of fuzz/Cargo.toml (their checks
# live in fuzz/checks/) with cargo-fuzz: libFuzzer with AddressSanitizer,
# built for this CPU (as the default build is). Not part of .ci/run, which
# replays the checked-in seeds through the same checks on every commit
# (tests/fuzz_corpus.rs, in `cargo test`).
#
#   bash .ci/fuzz.sh [seconds] [target...]
#
# A quick smoke run of every target: `bash .ci/fuzz.sh 30`.
#
# seconds: run time per target (default 600); targets: default every target
# of fuzz/Cargo.toml. The corpus grows in fuzz/corpus/<target>/ (ignored by
# git), seeded from the checked-in fuzz/corpus/seeds/<target>/. A finding
# is saved under fuzz/artifacts/<target>/ and makes the script fail; replay
# it with `RUSTC_BOOTSTRAP=1 cargo fuzz run <target> <file>`, fix it, and
# add the file to fuzz/corpus/seeds/<target>/ so that every `cargo test`
# replays it. cargo-fuzz is installed when missing (.ci/install-deps.sh
# --fuzz); it needs nightly features, which RUSTC_BOOTSTRAP=1 enables on the
# stable toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^vquad-fuzz$')
fi

bash .ci/install-deps.sh --fuzz

export RUSTC_BOOTSTRAP=1
# cargo-fuzz appends RUSTFLAGS to its own flags; they replace the
# target-cpu=native of .cargo/config.toml, so set it again here.
export RUSTFLAGS="${RUSTFLAGS:-} -C target-cpu=native"

for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t" "fuzz/corpus/seeds/$t"
    mkdir -p fuzz/target
    log="fuzz/target/fuzz-$t.log"
    echo "=== fuzz target '$t' for ${secs}s"
    cargo fuzz build "$t"
    start=$SECONDS
    if ! cargo fuzz run "$t" "fuzz/corpus/$t" "fuzz/corpus/seeds/$t" -- \
        -max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
        >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "FAILED: fuzz target '$t' found a problem (see fuzz/artifacts/$t/)"
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
    echo "fuzz $t: ${runs:-?} executions in $((SECONDS - start)) s, no finding" \
        "(corpus: $corpus inputs; $(grep -c '' "$log") log lines in $log)"
done
