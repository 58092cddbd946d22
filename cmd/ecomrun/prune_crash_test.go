package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/internal/failpoint"
	"github.com/ecomrun/ecomrun/internal/s3test"
	"github.com/ecomrun/ecomrun/pkg/stages"
	"github.com/ecomrun/ecomrun/pkg/stages/s3sink"
)

const pruneCrashSpec = `version: 1
name: prune
source: {kind: thelook, scale: 0.001, seed: 5}
warehouse: {path: out/ecom.duckdb}
tables: [%s]
sinks:
  - {name: files, kind: csv, path: out/csv}
  - {name: lake, kind: parquet, path: out/parquet}
  - {name: copy, kind: duckdb, path: out/copy.duckdb}
  - {name: bucket, kind: s3, url: "s3://lake/${PREFIX}/", endpoint: "${S3}", path_style: true}
`

// TestPruneKilledAnywhereIsWholeAndFinishedByTheNext: products leaves the spec and
// apply --prune is killed at each point of its prune. After every kill each output
// has products whole or not at all (a folder's files with their manifest entries,
// the copy's table with its quarantine, the bucket's manifest with its objects, the
// warehouse's table with its quarantine and state), and the next apply --prune
// removes what is left.
func TestPruneKilledAnywhereIsWholeAndFinishedByTheNext(t *testing.T) {
	s3test.Env(t)
	srv := s3test.Gofakes3(t)
	srv.CreateBucket(t, "lake")
	three := fmt.Sprintf(pruneCrashSpec, "{name: users}, {name: products}")
	two := fmt.Sprintf(pruneCrashSpec, "{name: users}")
	points := []string{"sink.files.products.prune", "sink.lake.products.prune", "sink.bucket.products.prune", "prune.products.sinks", "prune.products.committed"}
	for i, point := range points {
		t.Run(point, func(t *testing.T) {
			dir := t.TempDir()
			env := []string{"S3=" + srv.URL, fmt.Sprintf("PREFIX=p%d", i)}
			write := func(name, body string) {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write("three.yaml", three)
			write("two.yaml", two)
			run := func(spec string, extra ...string) ([]byte, error) {
				return cliCommand(dir, append(env, extra...), "apply", spec, "--quiet", "--prune").CombinedOutput()
			}
			if out, err := run("three.yaml"); err != nil {
				t.Fatalf("first apply: %v\n%s", err, out)
			}
			out, err := run("two.yaml", failpoint.Env+"="+point)
			if err == nil || !strings.Contains(err.Error(), "killed") {
				t.Fatalf("apply --prune was not killed at %s: %v\n%s", point, err, out)
			}
			// The warehouse, which names products as one to prune, goes last.
			kept := checkProductsWhole(t, dir, srv, fmt.Sprintf("p%d/", i))
			if inWarehouse := slices.Contains(kept, "warehouse"); inWarehouse != (point != "prune.products.committed") {
				t.Errorf("killed at %s, products is whole in %v", point, kept)
			}
			if out, err := run("two.yaml"); err != nil {
				t.Fatalf("apply --prune after the kill: %v\n%s", err, out)
			}
			if left := checkProductsWhole(t, dir, srv, fmt.Sprintf("p%d/", i)); len(left) > 0 {
				t.Errorf("after the next prune products is still in %v", left)
			}
		})
	}
}

// checkProductsWhole fails the test where products is there in part, and returns
// the outputs where it is there whole.
func checkProductsWhole(t *testing.T, dir string, srv *s3test.Server, prefix string) []string {
	t.Helper()
	var whole []string
	for _, folder := range []string{"csv", "parquet"} {
		path := filepath.Join(dir, "out", folder)
		b, err := os.ReadFile(filepath.Join(path, stages.ManifestName))
		if err != nil {
			t.Fatal(err)
		}
		var m stages.Manifest
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		var listed []string
		for _, e := range m.Tables {
			if _, err := os.Stat(filepath.Join(path, e.File)); err != nil {
				t.Errorf("%s lists %s, which is missing", folder, e.File)
			}
			if e.Table == "products" {
				listed = append(listed, e.File)
			}
		}
		files, _ := filepath.Glob(filepath.Join(path, "products.*"))
		if len(files) != len(listed) {
			t.Errorf("%s: products files %v, manifest entries %v", folder, files, listed)
		}
		if len(listed) > 0 {
			whole = append(whole, folder)
		}
	}
	db, err := sql.Open("duckdb", filepath.Join(dir, "out", "ecom.duckdb")+"?access_mode=READ_ONLY")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string) int {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	wh := count("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'ecom' AND table_name = 'products'") +
		count("SELECT count(*) FROM _ecomrun.state WHERE table_name = 'products'")
	if wh != 0 && wh != 3 {
		t.Errorf("the warehouse has %d of products' table, quarantine and state row", wh)
	} else if wh == 3 {
		whole = append(whole, "warehouse")
	}
	if _, err := db.Exec(fmt.Sprintf("ATTACH '%s' AS copy (READ_ONLY)", filepath.Join(dir, "out", "copy.duckdb"))); err != nil {
		t.Fatal(err)
	}
	switch count("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'copy' AND table_name = 'products'") {
	case 0:
	case 2:
		whole = append(whole, "copy")
	default:
		t.Error("the duckdb copy has one of products' table and quarantine")
	}
	if b, ok := srv.Lookup(t, "lake", prefix+"products/"+s3sink.ManifestName); ok {
		var m s3sink.Manifest
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		keys := srv.Keys(t, "lake", prefix+"products/")
		for _, k := range m.Keys() {
			if !slices.Contains(keys, k) {
				t.Errorf("the bucket's products manifest lists %s, which is gone", k)
			}
		}
		whole = append(whole, "bucket")
	}
	return whole
}
