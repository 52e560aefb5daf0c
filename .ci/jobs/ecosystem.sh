#!/usr/bin/env bash
# Ecosystem job (issue #6): install vquad into temporary prefixes and use it
# the way C, C++, CMake and MPI projects do.
#
#  1. release build; the shared library exports only vq_* (nm -D) and has
#     the soname libvquad.so.MAJOR (libvquad.so.0.MINOR while MAJOR is 0)
#  2. make install with DESTDIR: exactly the expected files and links;
#     make uninstall with DESTDIR leaves no file behind
#  3. make install PREFIX=<tmp>, then against that prefix:
#     - a C program via pkg-config, shared and static (checked with readelf)
#     - the C++ example over vquad.hpp, with its throwing cases
#     - the CMake consumer: shared, static, and the `static` component
#     - mpi_integrate and mpi_cubature under mpirun -np 1, 2, 3 (and 1 rank x 2 threads):
#       every layout prints the result= bits of the single-process run,
#       which equal vq_integrate's
#  4. make uninstall PREFIX=<tmp> leaves the prefix empty
#
# Needs gcc, g++, make, cmake, pkg-config, OpenMPI (.ci/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../lib.sh
source .ci/lib.sh
# Every cargo build below (make lib, make install) is the CI release build
# (.ci/lib.sh), which .ci/run has already made: none rebuilds anything.
export CARGO_TARGET_DIR=$CI_RELEASE_DIR RUSTFLAGS=$CI_RELEASE_RUSTFLAGS

started=$SECONDS
step() { printf -- '--> [%3ds] %s\n' "$((SECONDS - started))" "$*"; }
fail() {
    echo "ecosystem: FAILED: $*" >&2
    exit 1
}
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version=$(sed -n 's/^version = "\([^"]*\)"/\1/p' Cargo.toml | head -n 1)
major=${version%%.*}
minor=${version#*.}; minor=${minor%%.*}
# The soname carries the major version, or 0.minor while the major is 0.
if [ "$major" = 0 ]; then abi=0.$minor; else abi=$major; fi
soname=libvquad.so.$abi
CFLAGS=(-O2 -Wall -Wextra -Werror -pedantic)
so=${CARGO_TARGET_DIR:-target}/release/libvquad.so

step "release build (make lib)"
make --no-print-directory lib

step "exports and soname of $so"
exports=$(nm -D --defined-only "$so" | awk 'NF == 3 { print $3 }')
foreign=$(grep -v '^vq_' <<<"$exports" || true)
[ -z "$foreign" ] || fail "non-vq_ symbols exported: $foreign"
for f in vq_integrate vq_partition_size vq_partition_range vq_integrate_partial vq_combine_partials; do
    grep -qx "$f" <<<"$exports" || fail "$f is not exported"
done
echo "$(wc -l <<<"$exports") exports, all vq_*"
readelf -d "$so" | grep -q "SONAME.*\[$soname\]" || fail "soname is not $soname"

step "make install / uninstall with DESTDIR"
stage=$work/stage
make --no-print-directory -s install PREFIX=/opt/vquad DESTDIR="$stage" >/dev/null
got=$(cd "$stage" && find . \( -type f -o -type l \) | sort)
want=$(sort <<EOF
./opt/vquad/include/vquad.h
./opt/vquad/include/vquad.hpp
./opt/vquad/lib/cmake/vquad/vquadConfig.cmake
./opt/vquad/lib/cmake/vquad/vquadConfigVersion.cmake
./opt/vquad/lib/libvquad.a
./opt/vquad/lib/libvquad.so
./opt/vquad/lib/libvquad.so.$abi
./opt/vquad/lib/libvquad.so.$version
./opt/vquad/lib/pkgconfig/vquad.pc
EOF
)
[ "$got" = "$want" ] || fail "installed files differ:"$'\n'"$(diff <(echo "$want") <(echo "$got"))"
[ "$(readlink "$stage/opt/vquad/lib/libvquad.so")" = "$soname" ] || fail "libvquad.so link"
[ "$(readlink "$stage/opt/vquad/lib/$soname")" = "libvquad.so.$version" ] || fail "$soname link"
grep -qx 'prefix=/opt/vquad' "$stage/opt/vquad/lib/pkgconfig/vquad.pc" || fail "pc prefix includes DESTDIR"
make --no-print-directory -s uninstall PREFIX=/opt/vquad DESTDIR="$stage" >/dev/null
left=$(find "$stage" -mindepth 1 -not -type d)
[ -z "$left" ] || fail "uninstall left: $left"

step "make install PREFIX=<tmp>/prefix"
prefix=$work/prefix
mkdir -p "$prefix"
make --no-print-directory -s install PREFIX="$prefix" >/dev/null
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
[ "$(pkg-config --modversion vquad)" = "$version" ] || fail "pkg-config --modversion"
libdir=$(pkg-config --variable=libdir vquad)

step "C via pkg-config, shared"
# shellcheck disable=SC2046 # pkg-config output is a list of flags
gcc -std=c11 "${CFLAGS[@]}" c_examples/seed.c -o "$work/seed-shared" \
    $(pkg-config --cflags --libs vquad) -Wl,-rpath,"$libdir"
needed "$work/seed-shared" | grep -qx "$soname" || fail "seed-shared does not need $soname"
"$work/seed-shared" 10000000 | tee "$work/seed-shared.out"
grep -q '1 thread : value = 76.66666666666' "$work/seed-shared.out" || fail "seed-shared output"

step "C via pkg-config, static (Libs.private)"
# shellcheck disable=SC2046
gcc -std=c11 "${CFLAGS[@]}" c_examples/seed.c -o "$work/seed-static" $(pkg-config --cflags vquad) \
    -Wl,--as-needed -Wl,-Bstatic $(pkg-config --libs vquad) -Wl,-Bdynamic \
    $(pkg-config --static --libs vquad)
if needed "$work/seed-static" | grep -q libvquad; then fail "seed-static needs libvquad.so"; fi
"$work/seed-static" 10000000 | grep -q '1 thread : value = 76.66666666666' || fail "seed-static output"

step "C++ via vquad.hpp (including the throwing cases)"
# shellcheck disable=SC2046
g++ -std=c++17 "${CFLAGS[@]}" c_examples/cpp_wrapper.cpp -o "$work/cpp_wrapper" \
    $(pkg-config --cflags --libs vquad) -Wl,-rpath,"$libdir"
"$work/cpp_wrapper" | tee "$work/cpp.out"
for want in 'caught VQ_ERR_INVALID_ARG: fixed rule' \
    'caught std::domain_error: picky: x > 0.5' 'all C++ wrapper checks passed'; do
    grep -qF "$want" "$work/cpp.out" || fail "C++ example: '$want' missing"
done

step "CMake consumer: find_package(vquad CONFIG REQUIRED)"
cmake_build() { # <dir> <cmake args...>
    local dir=$1
    shift
    cmake -S c_examples/cmake_consumer -B "$dir" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_BUILD_TYPE=Release "$@" >"$dir.log" 2>&1 || { cat "$dir.log"; fail "cmake configure $*"; }
    cmake --build "$dir" -j 2 >>"$dir.log" 2>&1 || { cat "$dir.log"; fail "cmake build $*"; }
}
cmake_build "$work/cm-shared"
needed "$work/cm-shared/cpp_wrapper" | grep -qx "$soname" || fail "CMake shared: $soname not needed"
"$work/cm-shared/callback" | grep -q '^result=4.99972177896' || fail "CMake callback output"
"$work/cm-shared/cpp_wrapper" >/dev/null || fail "CMake cpp_wrapper"
cmake_build "$work/cm-static" -DVQUAD_USE_STATIC_LIBS=ON
if needed "$work/cm-static/cpp_wrapper" | grep -q libvquad; then fail "CMake static needs libvquad.so"; fi
"$work/cm-static/cpp_wrapper" >/dev/null || fail "CMake static cpp_wrapper"
# The component form, and a bad component failing the configure.
mkdir -p "$work/cm-comp"
cat >"$work/cm-comp/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.16)
project(comp LANGUAGES C)
find_package(vquad $version CONFIG REQUIRED COMPONENTS \${COMP})
add_executable(callback $PWD/c_examples/callback.c)
target_link_libraries(callback PRIVATE vquad::vquad m)
EOF
cmake -S "$work/cm-comp" -B "$work/cm-comp/b" -DCMAKE_PREFIX_PATH="$prefix" -DCOMP=static >/dev/null
cmake --build "$work/cm-comp/b" >/dev/null
if needed "$work/cm-comp/b/callback" | grep -q libvquad; then fail "COMPONENTS static links the .so"; fi
if cmake -S "$work/cm-comp" -B "$work/cm-comp/bad" -DCMAKE_PREFIX_PATH="$prefix" -DCOMP=bogus \
    >"$work/bad.log" 2>&1; then
    fail "COMPONENTS bogus was accepted"
fi
grep -q "no component 'bogus'" "$work/bad.log" || fail "bad component message"

step "MPI: mpi_integrate over ranks x threads"
# shellcheck disable=SC2046
mpicc -std=c11 "${CFLAGS[@]}" c_examples/mpi_integrate.c -o "$work/mpi_integrate" \
    $(pkg-config --cflags --libs vquad) -Wl,-rpath,"$libdir" -lm
n=20000000
# Containers often forbid the cross-memory attach that Open MPI's shared
# memory transport uses for larger messages; copy through the buffers.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
field() { # <output file> <problem> <key>
    sed -n "s/^problem=$2 .*[[:space:]]$3=\([^[:space:]]*\).*/\1/p" "$1"
}
# The single-process run: no mpirun (an MPI singleton), 1 thread.
"$work/mpi_integrate" 1 "$n" | tee "$work/single.out"
for layout in "1 1" "2 1" "3 1" "1 2"; do
    read -r np threads <<<"$layout"
    out=$work/mpi-$np-$threads.out
    mpirun --allow-run-as-root --oversubscribe -np "$np" "$work/mpi_integrate" "$threads" "$n" \
        | tee "$out"
    for problem in seed expr callback; do
        got=$(field "$out" "$problem" result)
        want=$(field "$work/single.out" "$problem" result)
        [ -n "$got" ] || fail "$np x $threads: no result for $problem"
        [ "$got" = "$want" ] || fail "$np ranks x $threads threads: $problem result=$got, single-process $want"
        # identical=yes: the combined bits equal vq_integrate's on rank 0.
        [ "$(field "$out" "$problem" identical)" = yes ] || fail "$np x $threads: $problem differs from vq_integrate"
    done
done
echo "every layout printed seed result=$(field "$work/single.out" seed result)," \
    "expr result=$(field "$work/single.out" expr result)" \
    "and callback result=$(field "$work/single.out" callback result)"

step "MPI: mpi_cubature (QMC and a tensor rule over a 5-D box) over ranks x threads"
# shellcheck disable=SC2046
mpicc -std=c11 "${CFLAGS[@]}" c_examples/mpi_cubature.c -o "$work/mpi_cubature" \
    $(pkg-config --cflags --libs vquad) -Wl,-rpath,"$libdir" -lm
"$work/mpi_cubature" 1 | tee "$work/cub-single.out"
want=$(grep '^result=' "$work/cub-single.out")
want_tensor=$(grep -o '^tensor result=[^ ]*' "$work/cub-single.out")
[ -n "$want" ] || fail "mpi_cubature: no result line"
[ -n "$want_tensor" ] || fail "mpi_cubature: no tensor result line"
for layout in "1 1" "2 1" "3 1" "1 2"; do
    read -r np threads <<<"$layout"
    out=$work/cub-$np-$threads.out
    mpirun --allow-run-as-root --oversubscribe -np "$np" "$work/mpi_cubature" "$threads" \
        | tee "$out"
    [ "$(grep '^result=' "$out")" = "$want" ] || fail "mpi_cubature $np x $threads differs: $(grep '^result=' "$out") vs $want"
    [ "$(grep -o '^tensor result=[^ ]*' "$out")" = "$want_tensor" ] \
        || fail "mpi_cubature $np x $threads: tensor rule differs: $(grep '^tensor' "$out") vs $want_tensor"
    [ "$(grep -c 'identical=yes' "$out")" = 2 ] \
        || fail "mpi_cubature $np x $threads differs from vq_integrate_nd (QMC and tensor lines)"
done
echo "every layout printed mpi_cubature $want and $want_tensor"

step "make uninstall leaves the prefix empty"
make --no-print-directory -s uninstall PREFIX="$prefix" >/dev/null
left=$(find "$prefix" -mindepth 1)
[ -z "$left" ] || fail "uninstall left: $left"

step "ecosystem checks passed in $((SECONDS - started)) s"
