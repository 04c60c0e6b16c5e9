#!/usr/bin/env bash
# Make sure PostgreSQL server binaries (initdb, pg_ctl) exist for tests/sql, and print their directory.
#
# Idempotent: when /usr/lib/postgresql/<major>/bin already has them, nothing is installed. Otherwise
# Debian's `postgresql` package is installed (Debian 12 ships major 15). Package output goes to stderr,
# so `BIN=$(scripts/ensure-postgresql.sh)` captures only the directory.
set -euo pipefail

find_bin() {
    local dir
    # newest major first: sort -V orders 9.6 < 15 < 16 correctly, plain sort would not
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

if bin_dir=$(find_bin); then
    echo "$bin_dir"
    exit 0
fi

echo "PostgreSQL server binaries not found" >&2
bash "$(dirname "$0")/apt-install.sh" postgresql

if ! bin_dir=$(find_bin); then
    echo "error: installed postgresql but found no initdb/pg_ctl under /usr/lib/postgresql/*/bin" >&2
    exit 1
fi
echo "$bin_dir"
