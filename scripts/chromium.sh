#!/usr/bin/env bash
# Installs Debian's chromium when /usr/bin/chromium is missing and prints its path.
# The HTML report's browser test calls it: the report is only known to render when a
# real browser has drawn it, so a machine without chromium gets one (as root, through apt).
set -euo pipefail
bin=/usr/bin/chromium
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "chromium is missing and installing it needs root: sudo apt-get update && sudo apt-get install -y chromium" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
echo "$bin"
