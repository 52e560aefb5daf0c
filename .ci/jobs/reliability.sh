#!/usr/bin/env bash
# Reliability of the C boundary (issue #7), after `cargo test` built
# target/debug/libvquad.a:
#  1. ASan + UBSan: tests/c/bad_inputs.c (the bad-input matrix),
#     tests/c/stress.c and the C examples, built with
#     -fsanitize=address,undefined against libvquad.a, run clean (leak
#     checking included). tests/c/asan_canary.c MUST be caught, in both of
#     its modes, or the job fails: that proves the sanitizers are active.
#  2. The full stress test: 16 threads x 200 integrations on one context.
#  3. An x86-64-v3 build (AVX2, f64x4 lanes; valgrind cannot decode
#     AVX-512): the C tests run on it natively, then under valgrind with
#     zero errors and no definitely-lost block.
# Usage: bash .ci/jobs/reliability.sh    (from anywhere)
set -euo pipefail
cd "$(dirname "$0")/../.."

LIBS=(-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc)
WARN=(-Wall -Wextra -Werror -pedantic)
SAN=(-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all)
OUT=target/reliability
mkdir -p "$OUT/asan" "$OUT/v3"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:check_initialization_order=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
unset VQUAD_NUM_THREADS VQUAD_TEST_HIDE_CPU_FEATURES

step() { printf -- '--- %s\n' "$*"; }
elapsed() { printf -- '    (%ss)\n' "$((SECONDS - $1))"; }

# build <out> <lib.a> <source> [compiler flags...]
build() {
    local out=$1 lib=$2 src=$3
    shift 3
    local cc=gcc std=-std=c11
    if [[ $src == *.cpp ]]; then cc=g++ std=-std=c++17; fi
    "$cc" "$std" "${WARN[@]}" "$@" -Iinclude "$src" -o "$out" "$lib" "${LIBS[@]}"
}

# Runs a test program and requires a closing "N passed, 0 failed" line.
run_counted() {
    local log
    log=$(mktemp)
    if ! "$@" >"$log" 2>&1; then
        cat "$log"
        echo "FAILED: $*"
        return 1
    fi
    tail -n 1 "$log"
    grep -Eq '(^|: )[1-9][0-9]* passed, 0 failed$' <(tail -n 1 "$log")
}

# The C examples: each exits non-zero when its result is wrong.
run_examples() { # <dir> <prefix command...>
    local dir=$1
    shift
    "$@" "$dir/seed" 1000000 >/dev/null
    "$@" "$dir/callback" >/dev/null
    "$@" "$dir/batch" >/dev/null
    "$@" "$dir/example_cpp" >/dev/null
    # sqrt(pi)*exp(-1/4): expr checks its result against it (exit 1 if wrong).
    "$@" "$dir/expr" 'exp(-x^2)*cos(x)' -5 5 10000 1.380388447043143 >/dev/null
    local rc=0
    "$@" "$dir/expr" 'sin(x' 0 1 >/dev/null 2>&1 || rc=$?
    if [ "$rc" -ne 2 ]; then
        echo "FAILED: expr with a syntax error exited $rc, expected 2 (a parse error)"
        return 1
    fi
    echo "    examples: seed, callback, batch, example.cpp, expr (and its parse error) ok"
}

t0=$SECONDS
step "ASan+UBSan build of the C tests and examples against target/debug/libvquad.a"
cargo build --lib --quiet
DEBUG_LIB=target/debug/libvquad.a
for t in bad_inputs stress asan_canary; do
    build "$OUT/asan/$t" "$DEBUG_LIB" "tests/c/$t.c" "${SAN[@]}"
done
for ex in seed callback batch expr; do
    build "$OUT/asan/$ex" "$DEBUG_LIB" "c_examples/$ex.c" "${SAN[@]}"
done
build "$OUT/asan/example_cpp" "$DEBUG_LIB" c_examples/example.cpp "${SAN[@]}"

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

step "ASan+UBSan: bad-input matrix, stress (K = 50), examples"
run_counted "$OUT/asan/bad_inputs"
run_counted "$OUT/asan/stress" 50 300 4
run_examples "$OUT/asan"
elapsed $t0

t0=$SECONDS
step "full stress: 16 threads x 200 integrations on one 4-thread context"
build "$OUT/stress" "$DEBUG_LIB" tests/c/stress.c -O2 -g
run_counted "$OUT/stress" 200 300 4
elapsed $t0

t0=$SECONDS
step "x86-64-v3 build (AVX2, f64x4): cargo build --release --lib --target-dir target-v3"
RUSTFLAGS="-C target-cpu=x86-64-v3" cargo build --release --lib --quiet --target-dir target-v3
V3_LIB=target-v3/release/libvquad.a
for t in bad_inputs stress; do
    build "$OUT/v3/$t" "$V3_LIB" "tests/c/$t.c" -O1 -g
done
for ex in seed callback batch expr; do
    build "$OUT/v3/$ex" "$V3_LIB" "c_examples/$ex.c" -O1 -g
done
build "$OUT/v3/example_cpp" "$V3_LIB" c_examples/example.cpp -O1 -g
elapsed $t0

t0=$SECONDS
step "x86-64-v3 build, run natively"
isa=$("$OUT/v3/bad_inputs" no-such-row | head -n 1 || true)
echo "    $isa"
case $isa in
*"(f64x4)"*) ;;
*)
    echo "FAILED: the x86-64-v3 build does not report f64x4 lanes"
    exit 1
    ;;
esac
run_counted "$OUT/v3/bad_inputs"
run_counted "$OUT/v3/stress" 50 300 4
run_examples "$OUT/v3"
elapsed $t0

t0=$SECONDS
step "valgrind on the x86-64-v3 build: zero errors, no definitely-lost block"
VG=(valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --fair-sched=yes)
run_counted "${VG[@]}" "$OUT/v3/bad_inputs"
run_counted "${VG[@]}" "$OUT/v3/stress" 2 600 2
run_examples "$OUT/v3" "${VG[@]}"
elapsed $t0
step "reliability: all checks passed"
