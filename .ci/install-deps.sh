#!/usr/bin/env bash
# Installs the system packages vquad's checks need, when missing.
# Debian/Ubuntu only; safe to re-run. Each job lists its own needs here.
#
#   bash .ci/install-deps.sh          what .ci/run needs
#   bash .ci/install-deps.sh --fuzz   also cargo-fuzz (for .ci/fuzz.sh only)
set -euo pipefail
fuzz=no
[ "${1:-}" = --fuzz ] && fuzz=yes

need=()
want() { # want <command> <package>
    command -v "$1" >/dev/null 2>&1 || need+=("$2")
}
want gcc gcc
want g++ g++
want make make
# .ci/jobs/ecosystem.sh and tests/c_examples.rs (install, pkg-config, CMake, MPI)
want cmake cmake
want pkg-config pkg-config
want mpicc libopenmpi-dev
want mpirun openmpi-bin
want nm binutils
want readelf binutils
# .ci/jobs/reliability.sh
want valgrind valgrind
# `vquad genz` compiles its hcubature_v reference shim against libcubature
[ -f /usr/include/cubature.h ] || need+=(libcubature-dev)
# benches/small.rs (vquad beside gsl_integration_qags)
[ -e /usr/include/gsl/gsl_integration.h ] || need+=(libgsl-dev)
# .ci/jobs/html-report.sh (renders the sweep's HTML report headless)
want chromium chromium
want python3 python3

if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    echo "installing: ${need[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

# .ci/fuzz.sh (not part of .ci/run): cargo-fuzz, built from source (minutes).
if [ "$fuzz" = yes ] && ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    cargo install cargo-fuzz --locked --quiet
fi

# `cargo bench --bench montecarlo` runs Python anchors (benches/montecarlo_anchors.py):
# numpy's Philox, SciPy's qmc_quad and Lepage's vegas. Installed only when missing.
want python3 python3
want pip3 python3-pip
if [ ${#need[@]} -gt 0 ] && printf '%s\n' "${need[@]}" | grep -q python3; then
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3 python3-pip
fi
if ! python3 -c 'import numpy, scipy, vegas' >/dev/null 2>&1; then
    python3 -m pip install --quiet 'numpy>=2,<3' 'scipy>=1.17,<2' 'vegas>=6.4,<7' \
        || python3 -m pip install --quiet --break-system-packages \
            'numpy>=2,<3' 'scipy>=1.17,<2' 'vegas>=6.4,<7'
fi
