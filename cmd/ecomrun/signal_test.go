package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ecomrun/ecomrun/pkg/stages"
)

const signalSpec = `version: 1
name: signals
source:
  kind: thelook
  scale: ${SCALE}
  seed: 1
warehouse:
  path: out/ecom.duckdb
tables: [{name: users}, {name: orders}, {name: events}, {name: inventory_items}]
sinks:
  - {name: files, kind: csv, path: out/csv}
`

// cliCommand runs this test binary as ecomrun in dir.
func cliCommand(dir string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), asCLI+"=1"), env...)
	return cmd
}

func digests(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "out", "csv", "*.csv"))
	sums := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := sha256.Sum256(b)
		sums[filepath.Base(f)] = hex.EncodeToString(s[:])
	}
	return sums
}

// SIGINT and SIGTERM during apply stop the run with exit 130 and leave the previous
// run's outputs as they were.
func TestSignalStopsApplyAndKeepsPreviousOutputs(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "spec.yaml"), []byte(signalSpec), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := cliCommand(dir, []string{"SCALE=0.002"}, "apply", "spec.yaml").CombinedOutput(); err != nil {
				t.Fatalf("first run: %v\n%s", err, out)
			}
			before := digests(t, dir)
			if len(before) == 0 {
				t.Fatal("the first run wrote no files")
			}

			var stderr bytes.Buffer
			cmd := cliCommand(dir, []string{"SCALE=1"}, "apply", "spec.yaml")
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Let the run get going: its working tables appear in the warehouse first.
			time.Sleep(1500 * time.Millisecond)
			sent := time.Now()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("apply did not stop after %s", sig)
			}
			t.Logf("stopped %v after %s", time.Since(sent).Round(time.Millisecond), sig)
			if code := cmd.ProcessState.ExitCode(); code != 130 {
				t.Fatalf("exit code %d after %s, want 130\n%s", code, sig, stderr.String())
			}
			if !strings.Contains(stderr.String(), "interrupted") {
				t.Errorf("stderr does not say the run was interrupted:\n%s", stderr.String())
			}
			// Each file is the previous run's or a complete new one that its manifest
			// entry vouches for; the largest table cannot have finished in time.
			after := digests(t, dir)
			if after["events.csv"] != before["events.csv"] {
				t.Error("events.csv changed though the run was interrupted")
			}
			var m stages.Manifest
			b, err := os.ReadFile(filepath.Join(dir, "out", "csv", stages.ManifestName))
			if err == nil {
				err = json.Unmarshal(b, &m)
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range m.Tables {
				if after[e.File] != e.SHA256 {
					t.Errorf("%s does not match its manifest entry after the interrupted run", e.File)
				}
			}
		})
	}
}
