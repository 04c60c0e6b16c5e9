#!/usr/bin/env bash
# Make sure a headless Chromium exists for tests/report (the HTML report is checked in a real browser),
# and print its path: Debian's `chromium` package when `chromium` is not on PATH (scripts/ensure-command.sh).
# `BROWSER=$(scripts/ensure-chromium.sh)` captures only the path.
set -euo pipefail
exec bash "$(dirname "$0")/ensure-command.sh" chromium chromium
