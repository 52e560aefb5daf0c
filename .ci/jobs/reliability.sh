#!/usr/bin/env bash
# Reliability of the C boundary (issue #7), after `cargo test` built the
# debug library:
#  1. ASan + UBSan: tests/c/bad_inputs.c (the bad-input matrix),
#     tests/c/stress.c, tests/c/cancel.c and the C examples, built with
#     -fsanitize=address,undefined against target/debug/libvquad.a, run
#     clean (leak checking included). tests/c/asan_canary.c MUST be caught,
#     in both of its modes, or the job fails: that proves the sanitizers are
#     active.
#  2. The full stress test: 16 threads x 200 integrations on one context.
#  3. The CI release build (x86-64-v3: AVX2, f64x4 lanes; .ci/lib.sh): the C
#     tests and examples run on it natively. .ci/jobs/valgrind.sh runs the
#     same programs under valgrind (.ci/run starts it in the background).
# Usage: bash .ci/jobs/reliability.sh    (from anywhere)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../lib.sh
source .ci/lib.sh

SAN=(-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all)
OUT=target/reliability
mkdir -p "$OUT/asan" "$OUT/v3"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:check_initialization_order=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
unset VQUAD_NUM_THREADS VQUAD_TEST_HIDE_CPU_FEATURES

step() { printf -- '--- %s\n' "$*"; }
elapsed() { printf -- '    (%ss)\n' "$((SECONDS - $1))"; }

t0=$SECONDS
step "ASan+UBSan build of the C tests and examples against target/debug/libvquad.a"
cargo build --lib -p vquad --quiet
DEBUG_LIB=target/debug/libvquad.a
ci_build_c_tests "$OUT/asan" "$DEBUG_LIB" "${SAN[@]}"
ci_cc "$OUT/asan/asan_canary" "$DEBUG_LIB" tests/c/asan_canary.c "${SAN[@]}"

step "the canary: the sanitizers must catch a heap overflow and a signed overflow"
for mode in heap ubsan; do
    if "$OUT/asan/asan_canary" "$mode" >"$OUT/asan/canary-$mode.log" 2>&1; then
        cat "$OUT/asan/canary-$mode.log"
        echo "FAILED: the '$mode' canary was not caught: the sanitizers are not active"
        exit 1
    fi
    want='AddressSanitizer: heap-buffer-overflow'
    [ "$mode" = ubsan ] && want='runtime error: signed integer overflow'
    if ! grep -q "$want" "$OUT/asan/canary-$mode.log"; then
        cat "$OUT/asan/canary-$mode.log"
        echo "FAILED: the '$mode' canary died without the report '$want'"
        exit 1
    fi
    echo "    canary '$mode' caught: $want"
done

step "ASan+UBSan: bad-input matrix, stress (K = 50), cancel, examples"
ci_run_counted "$OUT/asan/bad_inputs"
ci_run_counted "$OUT/asan/stress" 50 300 4
ci_run_counted "$OUT/asan/cancel"
ci_run_examples "$OUT/asan"
elapsed $t0

t0=$SECONDS
step "full stress: 16 threads x 200 integrations on one 4-thread context"
ci_cc "$OUT/stress" "$DEBUG_LIB" tests/c/stress.c -O2 -g
ci_run_counted "$OUT/stress" 200 300 4
elapsed $t0

t0=$SECONDS
step "the CI release build ($CI_RELEASE_RUSTFLAGS, $CI_RELEASE_DIR), run natively"
ci_release_build
ci_build_c_tests "$OUT/v3" "$CI_RELEASE_LIB" -O1 -g
isa=$("$OUT/v3/bad_inputs" no-such-row | head -n 1 || true)
echo "    $isa"
if [ "$(uname -m)" = x86_64 ]; then
    case $isa in
    *"(f64x4)"*) ;;
    *)
        echo "FAILED: the x86-64-v3 build does not report f64x4 lanes"
        exit 1
        ;;
    esac
fi
ci_run_counted "$OUT/v3/bad_inputs"
ci_run_counted "$OUT/v3/stress" 50 300 4
ci_run_counted "$OUT/v3/cancel"
ci_run_examples "$OUT/v3"
elapsed $t0
step "reliability: all checks passed"
