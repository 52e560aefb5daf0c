#!/usr/bin/env bash
# valgrind on the CI release build (x86-64-v3, .ci/lib.sh; valgrind cannot
# decode AVX-512): the bad-input matrix, a small stress run, the cancel test
# and the C examples, with zero errors and no definitely-lost block.
# Single-threaded work for the most part (valgrind serialises threads), so
# .ci/run starts it in the background, overlapping the other jobs, and
# reports its output and status at the end.
# Usage: bash .ci/jobs/valgrind.sh    (from anywhere)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../lib.sh
source .ci/lib.sh
unset VQUAD_NUM_THREADS VQUAD_TEST_HIDE_CPU_FEATURES

started=$SECONDS
OUT=target/reliability/valgrind
echo "--- build the C tests against $CI_RELEASE_LIB"
ci_release_build
ci_build_c_tests "$OUT" "$CI_RELEASE_LIB" -O1 -g

echo "--- valgrind: zero errors, no definitely-lost block"
VG=(valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --fair-sched=yes)
ci_run_counted "${VG[@]}" "$OUT/bad_inputs"
ci_run_counted "${VG[@]}" "$OUT/stress" 2 600 2
ci_run_counted "${VG[@]}" "$OUT/cancel"
ci_run_examples "$OUT" "${VG[@]}"
echo "--- valgrind: all checks passed in $((SECONDS - started)) s"
