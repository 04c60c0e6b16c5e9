#!/usr/bin/env bash
# Make sure valgrind exists for `make bench` (its callgrind counts the instructions of each handler's cold import,
# a ratio that does not move with the machine's load), and print its path.
#
# Idempotent: when `valgrind` is on PATH, nothing is installed. Otherwise Debian's `valgrind` package is installed
# (as root, or with sudo). Without it the bench still runs and shows the column as n/a.
set -euo pipefail

if found=$(command -v valgrind); then
    echo "$found"
    exit 0
fi

echo "valgrind not found" >&2
bash "$(dirname "$0")/apt-install.sh" valgrind

if ! found=$(command -v valgrind); then
    echo "error: installed valgrind but found no valgrind on PATH" >&2
    exit 1
fi
echo "$found"
