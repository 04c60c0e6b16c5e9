#!/usr/bin/env bash
# Install Debian packages for the test suite: as root, or with sudo; package output goes to stderr.
# Used by the ensure-*.sh scripts once they found their program missing.
set -euo pipefail

if [[ $(id -u) -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "error: $* not installed, and installing needs root or sudo" >&2
    exit 1
fi

echo "installing Debian's $*" >&2
${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update >&2
${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "$@" >&2
