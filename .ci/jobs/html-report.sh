#!/usr/bin/env bash
# Renders `vquad sweep --html` reports in a real headless Chromium and checks
# the screenshots are not trivial: a PNG of the expected size with enough
# non-white pixels and colours (plots, tables, text), for a simulated
# 64-core sweep (deterministic) and a short live sweep of this machine.
# Needs chromium and python3 (.ci/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/ci/html-report
mkdir -p "$out"
cargo build -q -p vquad-cli
vquad=target/debug/vquad
browser=$(command -v chromium || command -v chromium-browser)

"$vquad" sweep --simulate --sim-cores 64 --sim-alpha 0.02 --rounds 8 \
    --html "$out/simulated.html" > "$out/simulated.txt"
"$vquad" sweep --serial-fraction 0.3 --threads 1,2 --rounds 3 -n 2e5 \
    --html "$out/live.html" > "$out/live.txt"

for page in simulated live; do
    rm -f "$out/$page.png"
    # --no-sandbox: CI containers run as root, where Chromium's sandbox refuses to start.
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --window-size=1280,2400 --screenshot="$out/$page.png" \
        "file://$PWD/$out/$page.html" > "$out/$page.chromium.log" 2>&1 || {
        cat "$out/$page.chromium.log"
        exit 1
    }
    python3 .ci/png_check.py "$out/$page.png" 1280 2400
done
echo "html-report: simulated and live reports render in headless Chromium ($out/*.png)"
