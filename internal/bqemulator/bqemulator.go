// Package bqemulator runs goccy/bigquery-emulator for tests: the real BigQuery
// client library talks to it over REST. Building it takes minutes, so `make
// bigquery-emulator` (scripts/bigquery-emulator.sh) builds it once into a cache
// folder and `make test` runs that first; tests never build or install it.
package bqemulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecomrun/ecomrun/internal/loopback"
)

// Version is the emulator scripts/bigquery-emulator.sh builds.
const Version = "v0.8.1"

// Binary finds the emulator: $ECOMRUN_BIGQUERY_EMULATOR, else the binary
// scripts/bigquery-emulator.sh caches in ${ECOMRUN_CACHE:-$HOME/.cache/ecomrun}. A
// missing emulator fails the test with the command that builds it: these tests
// never skip, and never build it themselves.
func Binary(t testing.TB) string {
	t.Helper()
	const build = "run make bigquery-emulator (or set ECOMRUN_BIGQUERY_EMULATOR)"
	if p := os.Getenv("ECOMRUN_BIGQUERY_EMULATOR"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("ECOMRUN_BIGQUERY_EMULATOR=%s: %v: %s", p, err, build)
		}
		return p
	}
	cache := os.Getenv("ECOMRUN_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatalf("the BigQuery emulator: no home folder to find its cache in (%v): %s", err, build)
		}
		cache = filepath.Join(home, ".cache", "ecomrun")
	}
	p := filepath.Join(cache, "bigquery-emulator-"+Version, "bigquery-emulator")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the BigQuery emulator is not built (no %s): %s", p, build)
	}
	return p
}

// Emulator is a running emulator.
type Emulator struct {
	URL  string // REST endpoint
	GRPC string // its own Storage Read API (the client library cannot use it)
}

// Start runs the emulator for project on free loopback ports, loaded with data (its
// data file's document: projects, their datasets and tables, as JSON), and kills
// it when the test ends, showing its output if the test failed.
func Start(t testing.TB, project string, data any) *Emulator {
	t.Helper()
	bin := Binary(t)
	doc, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "data.json") // JSON, which its YAML loader reads
	if err := os.WriteFile(file, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	port, grpcPort := loopback.FreePort(t), loopback.FreePort(t)
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--project="+project, "--host=127.0.0.1",
		fmt.Sprintf("--port=%d", port), fmt.Sprintf("--grpc-port=%d", grpcPort), "--data-from-yaml="+file)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("emulator output:\n%s", logs.String())
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second) // loading the data takes a moment
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the emulator exited: %v\n%s", err, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the emulator did not listen on port %d:\n%s", port, logs.String())
		}
	}
	return &Emulator{URL: "http://" + addr, GRPC: fmt.Sprintf("127.0.0.1:%d", grpcPort)}
}
