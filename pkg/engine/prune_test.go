package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ecomrun/ecomrun/internal/s3test"
	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/report"
)

func pruneSpec(dir, store string, tables ...string) string {
	var list string
	for _, t := range tables {
		list += "  - {name: " + t + "}\n"
	}
	return fmt.Sprintf(`version: 1
name: prune
source: {kind: thelook, scale: 0.001, seed: 7}
warehouse: {path: %[1]s/ecom.duckdb}
tables:
%[2]ssinks:
  - {name: files, kind: csv, path: %[1]s/csv}
  - {name: lake, kind: parquet, path: %[1]s/parquet}
  - {name: copy, kind: duckdb, path: %[1]s/copy.duckdb}
  - {name: bucket, kind: s3, url: "s3://lake/shop/", endpoint: "%[3]s", path_style: true}
`, dir, list, store)
}

func applyOrphans(t *testing.T, dir, body string, prune bool) (*report.Report, []engine.Orphan) {
	t.Helper()
	var seen []engine.Orphan
	rep, err := engine.Apply(context.Background(), compile(t, dir, body), engine.Options{
		Parallelism: 2, Prune: prune, OnOrphan: func(o engine.Orphan) { seen = append(seen, o) }})
	if err != nil {
		t.Fatal(err)
	}
	return rep, seen
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// TestPruneRemovesADroppedTableFromEverySink: products leaves the spec; a run
// without --prune says so and keeps its outputs; a run with it removes them from the
// warehouse (table, quarantine, state), the csv and parquet folders (files and
// manifest entries), the duckdb copy and the bucket, and leaves the other tables'
// outputs as the run wrote them.
func TestPruneRemovesADroppedTableFromEverySink(t *testing.T) {
	for _, server := range []struct {
		name  string
		start func(testing.TB) *s3test.Server
	}{{"gofakes3", s3test.Gofakes3}, {"moto", s3test.Moto}} {
		t.Run(server.name, func(t *testing.T) { testPrune(t, server.start) })
	}
}

func testPrune(t *testing.T, start func(testing.TB) *s3test.Server) {
	s3test.Env(t)
	srv := start(t)
	srv.CreateBucket(t, "lake")
	dir := t.TempDir()
	apply(t, compile(t, dir, pruneSpec(dir, srv.URL, "users", "orders", "products")))

	_, seen := applyOrphans(t, dir, pruneSpec(dir, srv.URL, "users", "orders"), false)
	if len(seen) != 1 || seen[0].Table != "products" || seen[0].Pruned {
		t.Fatalf("orphans %+v, want products, not pruned", seen)
	}
	for _, p := range []string{"csv/products.csv", "csv/products.quarantine.csv", "parquet/products.parquet"} {
		if !exists(filepath.Join(dir, p)) {
			t.Errorf("%s is gone without --prune", p)
		}
	}
	if len(srv.Keys(t, "lake", "shop/products/")) == 0 {
		t.Error("the bucket lost products without --prune")
	}

	rep, seen := applyOrphans(t, dir, pruneSpec(dir, srv.URL, "users", "orders"), true)
	if len(seen) != 1 || seen[0].Table != "products" || !seen[0].Pruned || seen[0].Err != nil {
		t.Fatalf("orphans %+v, want products pruned", seen)
	}
	db := query(t, filepath.Join(dir, "ecom.duckdb"))
	if n := scalar[int](t, db, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'products'"); n != 0 {
		t.Errorf("the warehouse still has %d products tables", n)
	}
	if n := scalar[int](t, db, "SELECT count(*) FROM _ecomrun.state WHERE table_name = 'products'"); n != 0 {
		t.Error("the warehouse still remembers products")
	}
	if n := scalar[int](t, db, "SELECT count(*) FROM _ecomrun.state"); n != 2 {
		t.Errorf("%d state rows, want users and orders", n)
	}
	if _, err := db.Exec(fmt.Sprintf("ATTACH '%s' AS copy (READ_ONLY)", filepath.Join(dir, "copy.duckdb"))); err != nil {
		t.Fatal(err)
	}
	if n := scalar[int](t, db, "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'copy' AND table_name = 'products'"); n != 0 {
		t.Errorf("the duckdb copy still has %d products tables", n)
	}
	if n := scalar[int](t, db, "SELECT count(*) FROM copy.main.users"); int64(n) != rep.Table("users").RowsLoaded {
		t.Errorf("the copy has %d users", n)
	}
	for _, folder := range []string{"csv", "parquet"} {
		runs := manifestRuns(t, filepath.Join(dir, folder))
		ext := map[string]string{"csv": "csv", "parquet": "parquet"}[folder]
		want := []string{"orders." + ext, "orders.quarantine." + ext, "users." + ext, "users.quarantine." + ext}
		var got []string
		for f, run := range runs {
			got = append(got, f)
			if run != rep.RunID {
				t.Errorf("%s/%s: run %s, want the last run's", folder, f, run)
			}
			if !exists(filepath.Join(dir, folder, f)) {
				t.Errorf("%s/%s is listed but missing", folder, f)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s manifest lists %v, want %v", folder, got, want)
		}
		entries, _ := os.ReadDir(filepath.Join(dir, folder))
		if len(entries) != len(want)+1 {
			t.Errorf("%s holds %d entries, want the %d files and the manifest", folder, len(entries), len(want))
		}
	}
	if keys := srv.Keys(t, "lake", "shop/products/"); len(keys) != 0 {
		t.Errorf("the bucket still has %v", keys)
	}
	for _, table := range []string{"users", "orders"} {
		if _, ok := srv.Lookup(t, "lake", "shop/"+table+"/_manifest.json"); !ok {
			t.Errorf("the bucket lost %s's manifest", table)
		}
	}

	db.Close()
	// Nothing is left to prune.
	if _, seen := applyOrphans(t, dir, pruneSpec(dir, srv.URL, "users", "orders"), true); len(seen) != 0 {
		t.Errorf("orphans after the prune: %+v", seen)
	}
}
