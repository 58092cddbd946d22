#!/usr/bin/env bash
# Builds goccy/bigquery-emulator once into a cache folder outside the clone and prints
# the binary's path. The build takes minutes and GBs of memory; later calls reuse it.
set -euo pipefail
version=v0.8.1
cache="${ECOMRUN_CACHE:-$HOME/.cache/ecomrun}/bigquery-emulator-$version"
bin="$cache/bigquery-emulator"
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
mkdir -p "$cache/src"
cd "$cache/src"
# A module of its own: `go install pkg@version` is refused here (the version list is not served).
export GOFLAGS=-mod=mod
[ -f go.mod ] || go mod init ecomrun-tools >/dev/null 2>&1
go mod edit -require=github.com/goccy/bigquery-emulator@$version -tool=github.com/goccy/bigquery-emulator/cmd/bigquery-emulator
go mod tidy >&2
go build -o "$bin.tmp" github.com/goccy/bigquery-emulator/cmd/bigquery-emulator >&2
mv "$bin.tmp" "$bin"
echo "$bin"
