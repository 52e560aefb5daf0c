#!/usr/bin/env bash
# A short fuzz of every target (about 60 s in all) on top of the checked-in
# seeds: catches regressions that the seeds or a quick search reach. The
# long run is `.ci/fuzz.sh [seconds]`.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=$(grep -c '^\[\[bin\]\]' fuzz/Cargo.toml)
bash .ci/fuzz.sh $((60 / n))
