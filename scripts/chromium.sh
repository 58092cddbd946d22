#!/usr/bin/env bash
# Installs Debian's chromium when it is missing and prints its path on stdout.
# The HTML report's browser test (cmd/ecomrun/report_browser_test.go) needs it: the
# report is only known to render when a real browser has drawn it. `make test` runs
# this before the tests; the tests themselves never install anything.
set -euo pipefail
for bin in "${ECOMRUN_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$bin" ] && [ -x "$bin" ]; then
    echo "$bin"
    exit 0
  fi
done
if [ "$(id -u)" != 0 ]; then
  echo "chromium: missing, and installing it needs root: sudo apt-get update && sudo apt-get install -y chromium" >&2
  exit 1
fi
echo "chromium: installing Debian's chromium with apt-get (about 100 MB to download, a minute or two)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
echo "chromium: installed /usr/bin/chromium" >&2
echo /usr/bin/chromium
