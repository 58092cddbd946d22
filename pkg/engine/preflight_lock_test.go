package engine_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/internal/s3test"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

// TestHoldWarehouseLock is not a test: run by TestPreflightNamesAHeldWarehouse as a
// second process, it opens the warehouse it is given and holds it until its stdin closes.
func TestHoldWarehouseLock(t *testing.T) {
	path := os.Getenv("ECOMRUN_TEST_HOLD_WAREHOUSE")
	if path == "" {
		t.Skip("a helper process of TestPreflightNamesAHeldWarehouse")
	}
	wh, err := warehouse.Open(context.Background(), path, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	fmt.Println("held")
	bufio.NewReader(os.Stdin).ReadString('\n')
}

// TestPreflightNamesAHeldWarehouse: another process holds the warehouse; the
// preflight says so on the warehouse's line, still checks every sink (here a bucket
// that does not exist), and nothing runs.
func TestPreflightNamesAHeldWarehouse(t *testing.T) {
	s3test.Env(t)
	srv := s3test.Gofakes3(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "ecom.duckdb")
	holder := exec.Command(os.Args[0], "-test.run=^TestHoldWarehouseLock$")
	holder.Env = append(os.Environ(), "ECOMRUN_TEST_HOLD_WAREHOUSE="+path)
	stdin, err := holder.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); holder.Wait() }()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "held\n" {
		t.Fatalf("the helper did not take the warehouse: %q %v", line, err)
	}

	body := fmt.Sprintf(`version: 1
name: held
source: {kind: thelook, scale: 0.001, seed: 7}
warehouse: {path: %[1]s/ecom.duckdb}
tables: [{name: users}]
sinks:
  - {name: files, kind: csv, path: %[1]s/csv}
  - {name: nobucket, kind: s3, url: "s3://missing/b/", endpoint: "%[2]s", path_style: true}
`, dir, srv.URL)
	rep, pe := runPreflight(t, dir, body)
	if len(rep.Stages) != 0 {
		t.Errorf("%d stages ran", len(rep.Stages))
	}
	if len(pe.Problems) != 2 || !strings.HasPrefix(pe.Problems[0], "warehouse "+path+" is in use") || !strings.Contains(pe.Problems[0], "in use by another process") ||
		!strings.HasPrefix(pe.Problems[1], "sink nobucket (s3): ") {
		t.Errorf("problems:\n%s", strings.Join(pe.Problems, "\n"))
	}
	if _, err := os.Stat(filepath.Join(dir, "csv")); err == nil {
		t.Error("the csv sink wrote while the warehouse was held")
	}
}
