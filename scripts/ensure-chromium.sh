#!/usr/bin/env bash
# Make sure a headless Chromium exists for tests/report (the HTML report is checked in a real browser),
# and print its path.
#
# Idempotent: when `chromium` is on PATH, nothing is installed. Otherwise Debian's `chromium` package is
# installed (as root, or with sudo). Package output goes to stderr, so `BROWSER=$(scripts/ensure-chromium.sh)`
# captures only the path.
set -euo pipefail

if browser=$(command -v chromium); then
    echo "$browser"
    exit 0
fi

echo "chromium not found" >&2
bash "$(dirname "$0")/apt-install.sh" chromium

if ! browser=$(command -v chromium); then
    echo "error: installed chromium but found no chromium on PATH" >&2
    exit 1
fi
echo "$browser"
