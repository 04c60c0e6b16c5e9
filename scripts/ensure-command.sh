#!/usr/bin/env bash
# Make sure a command from a Debian package exists, and print its path: ensure-command.sh <command> <package>.
#
# Idempotent: when the command is on PATH, nothing is installed. Otherwise the package is installed (as root, or with
# sudo). Package output goes to stderr, so `found=$(scripts/ensure-command.sh ...)` captures only the path.
set -euo pipefail

command_name=$1
package=$2

if found=$(command -v "$command_name"); then
    echo "$found"
    exit 0
fi

echo "$command_name not found" >&2
bash "$(dirname "$0")/apt-install.sh" "$package"

if ! found=$(command -v "$command_name"); then
    echo "error: installed $package but found no $command_name on PATH" >&2
    exit 1
fi
echo "$found"
