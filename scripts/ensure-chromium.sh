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

if [[ $(id -u) -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "error: Chromium is not installed, and installing it needs root or sudo" >&2
    exit 1
fi

echo "chromium not found; installing Debian's chromium package" >&2
${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update >&2
${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends chromium >&2

if ! browser=$(command -v chromium); then
    echo "error: installed chromium but found no chromium on PATH" >&2
    exit 1
fi
echo "$browser"
