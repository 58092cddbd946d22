package stages

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

// filesPlan compiles a spec reading table from an empty folder (returned, for the
// test's files) with the files source in format, and opens its warehouse, closed
// when the test ends.
func filesPlan(t *testing.T, format, table string) (*spec.Plan, *warehouse.Warehouse, string) {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	src := "version: 1\nname: t\nsource: {kind: files, dir: " + in + ", format: " + format + "}\nwarehouse: {path: " +
		filepath.Join(dir, "w.duckdb") + "}\ntables: [{name: " + table + "}]\n"
	s, diags := spec.Load("t.yaml", []byte(src), nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	plan, diags := spec.Compile(s)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	wh, err := warehouse.Open(context.Background(), s.Warehouse.Path, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	return plan, wh, in
}
