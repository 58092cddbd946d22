package engine_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/engine"
)

// A folder sink publishes its whole folder, so it refuses a folder of someone
// else's files (a mistyped path such as /etc) and leaves it as it was; a folder it
// wrote before, or an empty one, is its own.
func TestFolderSinkRefusesAFolderItDidNotWrite(t *testing.T) {
	dir := t.TempDir()
	foreign := filepath.Join(dir, "csv")
	if err := os.MkdirAll(foreign, 0o755); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(foreign, "notes.txt")
	if err := os.WriteFile(mine, []byte("a user's file"), 0o644); err != nil {
		t.Fatal(err)
	}
	body := strings.Replace(generatedSpec(dir, 0.001), "  - {name: lake, kind: parquet, path: "+dir+"/parquet}\n", "", 1)
	plan := compile(t, dir, body)
	// Preflight refuses it before anything is extracted; without preflight, the sink does.
	_, err := engine.Apply(context.Background(), plan, engine.Options{Parallelism: 2, Preflight: true})
	var pe *engine.PreflightError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), foreign+" holds 1 files but no _manifest.json") {
		t.Fatalf("preflight of a foreign folder = %v, want a refusal naming the folder", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ecom.duckdb")); err == nil {
		db := query(t, filepath.Join(dir, "ecom.duckdb"))
		if n := scalar[int64](t, db, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND NOT starts_with(table_name, '_')"); n != 0 {
			t.Fatalf("preflight failed, yet %d tables were loaded", n)
		}
		db.Close()
	}
	_, err = engine.Apply(context.Background(), plan, engine.Options{Parallelism: 2})
	if err == nil || !strings.Contains(err.Error(), "point the sink at a folder of its own") {
		t.Fatalf("apply into a foreign folder = %v, want a refusal naming the folder", err)
	}
	if b, err := os.ReadFile(mine); err != nil || string(b) != "a user's file" {
		t.Fatalf("the foreign file changed: %q %v", b, err)
	}
	if entries, _ := os.ReadDir(foreign); len(entries) != 1 {
		t.Fatalf("the refused folder holds %d entries, want the 1 it had", len(entries))
	}

	// An empty folder is taken, and from then on it is the sink's own.
	if err := os.Remove(mine); err != nil {
		t.Fatal(err)
	}
	apply(t, plan)
	apply(t, plan)
	if _, err := os.Stat(filepath.Join(foreign, "orders.csv")); err != nil {
		t.Fatalf("the sink did not write its folder: %v", err)
	}
}
