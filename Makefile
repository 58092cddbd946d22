# ecomrun: `make run` runs the default pipeline on the embedded generator, `make test` runs the tests.
# Every go command needs the duckdb_arrow tag (duckdb-go's Arrow API), so it is exported once here.
export GOFLAGS := -tags=duckdb_arrow -buildvcs=false
GO      ?= go
BIN     := bin/ecomrun
SPEC    ?= pipelines/daily.yaml
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: build run test race crash bench fuzz check fmt vet tidy-check validate clean moto bigquery-emulator chromium

build:
	$(GO) build -ldflags "-X github.com/ecomrun/ecomrun/pkg/cli.Version=$(VERSION)" -o $(BIN) ./cmd/ecomrun

run: build
	./$(BIN) apply $(SPEC) --report out/report.json --report-html out/report.html

# test first installs what the tests need, one visible line per step (nothing is
# installed from inside go test): moto, the BigQuery emulator, Chromium.
test: build moto bigquery-emulator chromium
	@echo "==> go test ./... then make race (a few minutes)"
	@export ECOMRUN_MOTO_PYTHON="$$(scripts/moto-python.sh)" ECOMRUN_BIGQUERY_EMULATOR="$$(scripts/bigquery-emulator.sh)" \
		ECOMRUN_CHROMIUM="$$(scripts/chromium.sh)" && set -x && $(GO) test ./... && $(MAKE) --no-print-directory race

# race runs the packages that share state across goroutines under the race detector.
race:
	$(GO) test -race ./pkg/dag/ ./pkg/spec/ ./pkg/sqlexpr/ ./pkg/thelook/ ./pkg/engine/ ./pkg/stages/... ./pkg/warehouse/ ./pkg/cli/ ./pkg/report/ ./pkg/atomicdir/ ./pkg/lineage/ ./pkg/telemetry/

# crash SIGKILLs apply at every passage of every failpoint a run passes and at CRASH_KILLS random
# moments, then opens every output (warehouse, files, duckdb copy, s3) and checks
# old-or-new, and that a rerun equals an uninterrupted run. make test does 4 random kills.
crash: build
	ECOMRUN_CRASH_KILLS=$${CRASH_KILLS:-60} $(GO) test -count=1 -timeout 60m -run '^TestKillAnywhereLeavesOldOrNewEverywhere$$' -v ./cmd/ecomrun/

# moto: the s3 sink's integration tests start moto's S3 server; this finds a Python
# that has it, or installs it. test passes its path in ECOMRUN_MOTO_PYTHON.
moto:
	@echo "==> moto: a Python with moto's S3 server (scripts/moto-python.sh; pip-installs it once if missing)"
	@scripts/moto-python.sh >/dev/null

# bigquery-emulator: the bigquery source's tests run goccy/bigquery-emulator. The script
# builds it once into ~/.cache/ecomrun (minutes and GBs of memory the first time) and
# prints its path, which test passes in ECOMRUN_BIGQUERY_EMULATOR.
bigquery-emulator:
	@echo "==> bigquery-emulator: goccy/bigquery-emulator in ~/.cache/ecomrun (scripts/bigquery-emulator.sh; ~7 min and ~7 GB of memory the first time)"
	@scripts/bigquery-emulator.sh >/dev/null

# chromium: the HTML report's browser test draws the page in headless Chromium.
# scripts/chromium.sh installs Debian's package when it is missing (as root).
chromium:
	@echo "==> chromium: headless Chromium for the report's browser test (scripts/chromium.sh; apt-get as root if missing)"
	@scripts/chromium.sh >/dev/null

validate: build
	./$(BIN) validate pipelines/*.yaml

# bench measures the generator, validation, apply and bare DuckDB at scales 1 and 10,
# and the files source (CSV and Parquet read by apply, by issue 14's bare DuckDB script
# table after table, and by the same statements in apply's shape), each in a
# child process of its own (see BENCHMARKS.md). BENCH_SCALE=30 adds scale 30,
# BENCH_SCALES=0.1 replaces the scales, BENCH_RUNS=3 prints medians of three runs,
# BENCH_KINDS=files (or generator, or kinds by name) makes only those measurements.
bench:
	$(GO) build -o bin/ecomrun-bench ./cmd/ecomrun-bench
	./bin/ecomrun-bench

# fuzz runs each fuzz target for FUZZTIME (their seed corpora run in every `make test`).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $${FUZZTIME:-60s} ./pkg/spec/
	$(GO) test -run '^$$' -fuzz '^FuzzCheckExpression$$' -fuzztime $${FUZZTIME:-60s} ./pkg/rules/

check: fmt vet tidy-check test

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt wants to change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

tidy-check:
	$(GO) mod tidy -diff

clean:
	rm -rf bin out
