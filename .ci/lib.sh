# shellcheck shell=bash
# Shared by .ci/run and the jobs in .ci/jobs/ (sourced, from the repository
# root): the one release build CI makes, and the helpers that build and run
# the C tests and examples.

# --- The release build --------------------------------------------------
# CI builds vquad in release mode once, for x86-64-v3 (AVX2 + FMA, f64x4
# lanes) in target-v3/: valgrind cannot decode AVX-512, and one build then
# serves the reliability job (the C tests natively), the valgrind job and
# the ecosystem job (install, pkg-config, CMake, MPI), whose `make lib` finds
# it up to date. The native build (target-cpu=native, .cargo/config.toml) is
# what `cargo test` and clippy check. Elsewhere than x86-64 the release build
# targets the host CPU.
CI_RELEASE_DIR=target-v3
if [ "$(uname -m)" = x86_64 ]; then
    CI_RELEASE_RUSTFLAGS="-C target-cpu=x86-64-v3"
else
    CI_RELEASE_RUSTFLAGS="-C target-cpu=native"
fi
CI_RELEASE_LIB=$CI_RELEASE_DIR/release/libvquad.a

# ci_release <command...>: runs a command (cargo, make) with the release
# build's target directory and flags, so that it reuses that build.
ci_release() {
    CARGO_TARGET_DIR=$CI_RELEASE_DIR RUSTFLAGS=$CI_RELEASE_RUSTFLAGS "$@"
}

# The build itself: what `make lib` runs (a no-op once it is up to date).
ci_release_build() {
    ci_release cargo build --release --lib -p vquad --quiet
}

# --- Building and running the C tests -------------------------------------
CI_LIBS=(-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc)
CI_WARN=(-Wall -Wextra -Werror -pedantic)

# ci_cc <out> <lib.a> <source> [compiler flags...]: compiles a C or C++
# source against a static libvquad.
ci_cc() {
    local out=$1 lib=$2 src=$3
    shift 3
    local cc=gcc std=-std=c11
    if [[ $src == *.cpp ]]; then cc=g++ std=-std=c++17; fi
    "$cc" "$std" "${CI_WARN[@]}" "$@" -Iinclude "$src" -o "$out" "$lib" "${CI_LIBS[@]}"
}

# ci_build_c_tests <dir> <lib.a> [flags...]: the C tests of tests/c/ and
# the C examples the jobs run, into <dir>.
ci_build_c_tests() {
    local dir=$1 lib=$2
    shift 2
    mkdir -p "$dir"
    local t
    for t in bad_inputs stress cancel; do
        ci_cc "$dir/$t" "$lib" "tests/c/$t.c" "$@"
    done
    for t in seed callback batch expr; do
        ci_cc "$dir/$t" "$lib" "c_examples/$t.c" "$@"
    done
    ci_cc "$dir/example_cpp" "$lib" c_examples/example.cpp "$@"
}

# ci_run_counted <command...>: runs a test program and requires a closing
# "N passed, 0 failed" line.
ci_run_counted() {
    local log
    log=$(mktemp)
    if ! "$@" >"$log" 2>&1; then
        cat "$log"
        echo "FAILED: $*"
        rm -f "$log"
        return 1
    fi
    tail -n 1 "$log"
    if ! grep -Eq '(^|: )[1-9][0-9]* passed, 0 failed$' <(tail -n 1 "$log"); then
        cat "$log"
        echo "FAILED: $* did not end with 'N passed, 0 failed'"
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
}

# ci_run_examples <dir> [prefix command...]: the C examples, each of which
# exits non-zero when its result is wrong.
ci_run_examples() {
    local dir=$1
    shift
    "$@" "$dir/seed" 1000000 >/dev/null
    "$@" "$dir/callback" >/dev/null
    "$@" "$dir/batch" >/dev/null
    "$@" "$dir/example_cpp" >/dev/null
    # sqrt(pi)*exp(-1/4): expr checks its result against it (exit 1 if wrong).
    "$@" "$dir/expr" 'exp(-x^2)*cos(x)' -5 5 10000 1.380388447043143 >/dev/null
    local rc=0
    "$@" "$dir/expr" 'exp(-x^2)*cos(x)' -5 5 10000 1.38 >/dev/null 2>&1 || rc=$?
    if [ "$rc" -ne 1 ]; then
        echo "FAILED: expr given a wrong expected value exited $rc, expected 1"
        return 1
    fi
    rc=0
    "$@" "$dir/expr" 'sin(x' 0 1 >/dev/null 2>&1 || rc=$?
    if [ "$rc" -ne 2 ]; then
        echo "FAILED: expr with a syntax error exited $rc, expected 2 (a parse error)"
        return 1
    fi
    echo "    examples: seed, callback, batch, example.cpp, expr (right, wrong, parse error) ok"
}
