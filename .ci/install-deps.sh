#!/usr/bin/env bash
# Installs the system packages vquad's checks need, when missing.
# Debian/Ubuntu only; safe to re-run. Each job lists its own needs here.
set -euo pipefail

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
# .ci/jobs/html-report.sh (renders the sweep's HTML report headless)
want chromium chromium
want python3 python3

if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    echo "installing: ${need[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
