#!/usr/bin/env bash
# Builds goccy/bigquery-emulator once into a cache folder outside the clone and prints
# the binary's path on stdout. The first build downloads its modules and compiles
# them (about 7 minutes on two cores, up to ~7 GB of memory: its SQL engine is one
# huge cgo package); it says so on stderr and shows progress. Later calls reuse it.
set -euo pipefail
version=v0.8.1
cache="${ECOMRUN_CACHE:-$HOME/.cache/ecomrun}/bigquery-emulator-$version"
bin="$cache/bigquery-emulator"
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
log() { echo "bigquery-emulator: $*" >&2; }
log "building goccy/bigquery-emulator $version into $cache, once (~7 min on 2 cores, ~7 GB of memory)"
mkdir -p "$cache/src"
cd "$cache/src"
# A heartbeat, so a long step (one package compiles for minutes) is not taken for a hang.
start=$(date +%s)
( while sleep ${ECOMRUN_HEARTBEAT:-30}; do log "still building ($(( $(date +%s) - start ))s)"; done ) &
beat=$!
trap 'kill $beat 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
# A module of its own: `go install pkg@version` is refused here (the version list is not served).
export GOFLAGS=-mod=mod
[ -f go.mod ] || go mod init ecomrun-tools >/dev/null 2>&1
go mod edit -require=github.com/goccy/bigquery-emulator@$version -tool=github.com/goccy/bigquery-emulator/cmd/bigquery-emulator
log "downloading modules"
go mod tidy >&2
log "compiling (each package is printed as it is built)"
go build -v -o "$bin.tmp" github.com/goccy/bigquery-emulator/cmd/bigquery-emulator >&2
mv "$bin.tmp" "$bin"
log "built $bin in $(( $(date +%s) - start ))s"
echo "$bin"
