package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecomrun/ecomrun/internal/failpoint"
)

const crashSpec = `version: 1
name: crash
source:
  kind: thelook
  scale: ${SCALE}
  seed: 5
warehouse:
  path: out/ecom.duckdb
tables: [{name: users}, {name: orders}]
sinks:
  - {name: files, kind: csv, path: out/csv}
`

func writeSpec(t *testing.T, dir, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "spec.yaml"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustApply(t *testing.T, dir string, env ...string) {
	t.Helper()
	if out, err := cliCommand(dir, env, "apply", "spec.yaml", "--quiet").CombinedOutput(); err != nil {
		t.Fatalf("apply %v: %v\n%s", env, err, out)
	}
}

// A run killed (SIGKILL, no chance to clean up) during extract, load or a sink
// leaves the outputs of the previous run; the next run then ends exactly as an
// uninterrupted one.
func TestKilledRunLeavesPreviousOutputsAndRerunCompletes(t *testing.T) {
	clean := t.TempDir()
	writeSpec(t, clean, crashSpec)
	mustApply(t, clean, "SCALE=0.003")
	want := digests(t, clean)

	for _, point := range []string{"extract.orders", "load.orders", "sink.files.orders"} {
		t.Run(point, func(t *testing.T) {
			dir := t.TempDir()
			writeSpec(t, dir, crashSpec)
			mustApply(t, dir, "SCALE=0.001")
			before := digests(t, dir)

			out, err := cliCommand(dir, []string{"SCALE=0.003", failpoint.Env + "=" + point}, "apply", "spec.yaml").CombinedOutput()
			if err == nil || !strings.Contains(err.Error(), "killed") {
				t.Fatalf("the run was not killed at %s: %v\n%s", point, err, out)
			}
			if got := digests(t, dir)["orders.csv"]; got != before["orders.csv"] {
				t.Errorf("orders.csv changed by the killed run")
			}

			mustApply(t, dir, "SCALE=0.003")
			got := digests(t, dir)
			if len(got) != len(want) || len(want) == 0 {
				t.Fatalf("files after the rerun %v, want %v", got, want)
			}
			for f, sum := range want {
				if got[f] != sum {
					t.Errorf("%s after the rerun differs from an uninterrupted run's", f)
				}
			}
			leftovers, _ := filepath.Glob(filepath.Join(dir, "out", "csv", ".*tmp*"))
			if len(leftovers) > 0 {
				t.Errorf("temporary files left behind: %v", leftovers)
			}
		})
	}
}

// A second apply on a warehouse another run holds fails at once and says why.
func TestSecondApplyOnABusyWarehouseFailsClearly(t *testing.T) {
	dir := t.TempDir()
	writeSpec(t, dir, crashSpec)
	first := cliCommand(dir, []string{"SCALE=2"}, "apply", "spec.yaml")
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		first.Process.Kill()
		first.Wait()
	}()
	// Wait until the first run holds the warehouse.
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(filepath.Join(dir, "out", "ecom.duckdb")); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	second := cliCommand(dir, []string{"SCALE=0.001"}, "apply", "spec.yaml")
	out, err := second.CombinedOutput()
	if err == nil {
		t.Fatalf("a second apply on a busy warehouse succeeded:\n%s", out)
	}
	if code := second.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "in use by another process") {
		t.Fatalf("exit %d, output:\n%s\nwant exit 1 saying the warehouse is in use", code, out)
	}
}
