# ecomrun: `make run` runs the default pipeline on the embedded generator, `make test` runs the tests.
# Every go command needs the duckdb_arrow tag (duckdb-go's Arrow API), so it is exported once here.
export GOFLAGS := -tags=duckdb_arrow -buildvcs=false
GO      ?= go
BIN     := bin/ecomrun
SPEC    ?= pipelines/daily.yaml
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: build run test race bench fuzz check fmt vet tidy-check validate clean

build:
	$(GO) build -ldflags "-X github.com/ecomrun/ecomrun/pkg/cli.Version=$(VERSION)" -o $(BIN) ./cmd/ecomrun

run: build
	./$(BIN) apply $(SPEC) --report out/report.json

test: build
	$(GO) test ./...
	$(GO) test -race ./pkg/dag/ ./pkg/spec/ ./pkg/thelook/

validate: build
	./$(BIN) validate pipelines/*.yaml

bench: build
	$(GO) test -run '^$$' -bench . -benchtime 3x ./pkg/thelook/ ./pkg/engine/

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime $${FUZZTIME:-60s} ./pkg/spec/

check: fmt vet tidy-check test

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt wants to change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

tidy-check:
	$(GO) mod tidy -diff

clean:
	rm -rf bin out
