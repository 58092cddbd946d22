package dbsink_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// readerEnv makes the test binary act as a second process that reads a DuckDB file.
const readerEnv = "ECOMRUN_TEST_READ_DUCKDB"

func TestMain(m *testing.M) {
	if path := os.Getenv(readerEnv); path != "" {
		os.Exit(readCounts(path))
	}
	os.Exit(m.Run())
}

// readCounts prints "table rows distinct_keys" per table of a DuckDB file, read-only.
func readCounts(path string) int {
	db, err := sql.Open("duckdb", path+"?access_mode=READ_ONLY")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	for _, q := range []string{
		"SELECT 'users', count(*), count(DISTINCT id) FROM main.users",
		"SELECT 'orders', count(*), count(DISTINCT order_id) FROM main.orders",
		"SELECT 'quarantine.orders', count(*), count(*) FROM quarantine.orders",
	} {
		var name string
		var n, distinct int64
		if err := db.QueryRow(q).Scan(&name, &n, &distinct); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Printf("%s %d %d\n", name, n, distinct)
	}
	return 0
}

func TestDuckDBTargetIsReplacedNotAppended(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target", "copy.duckdb")
	specPath := filepath.Join(dir, "spec.yaml")
	body := fmt.Sprintf(`version: 1
name: copy
source: {kind: thelook, scale: 0.002, seed: 1}
warehouse: {path: %s/ecom.duckdb}
tables: [{name: users}, {name: orders}]
sinks: [{name: copy, kind: duckdb, path: %s}]
`, dir, target)
	if err := os.WriteFile(specPath, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	plan, ds := spec.Check(specPath)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	var want string
	for run := 0; run < 2; run++ {
		rep, err := engine.Apply(context.Background(), plan, engine.Options{})
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if rep.Tables[0].RowsLoaded == 0 || rep.Tables[1].RowsLoaded == 0 {
			t.Fatalf("run %d loaded nothing", run)
		}
		want = fmt.Sprintf("users %[1]d %[1]d\norders %[2]d %[2]d\nquarantine.orders 0 0\n", rep.Tables[0].RowsLoaded, rep.Tables[1].RowsLoaded)
	}
	// A second process sees every row once after two runs: no duplicates.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), readerEnv+"="+target)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("reader process: %v\n%s", err, out)
	}
	if string(out) != want {
		t.Fatalf("the target holds\n%s\nwant\n%s", out, want)
	}
}

// An incremental table is upserted into the target by primary key: the second run
// reads only what is past the watermark, and the target still equals the warehouse.
func TestIncrementalTableIsUpserted(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "copy.duckdb")
	specPath := filepath.Join(dir, "spec.yaml")
	body := fmt.Sprintf(`version: 1
name: copy
source: {kind: thelook, scale: 0.002, seed: 1}
warehouse: {path: %s/ecom.duckdb}
tables:
  - {name: orders, mode: incremental, cursor: created_at, lookback: 30d}
sinks: [{name: copy, kind: duckdb, path: %s}]
`, dir, target)
	if err := os.WriteFile(specPath, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	plan, ds := spec.Check(specPath)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	var in [2]int64
	for run := range in {
		rep, err := engine.Apply(context.Background(), plan, engine.Options{})
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		in[run] = rep.Tables[0].RowsIn
	}
	if in[1] == 0 || in[1] >= in[0] {
		t.Fatalf("the second run read %d rows, the first %d: want a merge of fewer rows", in[1], in[0])
	}
	db, err := sql.Open("duckdb", target+"?access_mode=READ_ONLY")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf("ATTACH '%s/ecom.duckdb' AS wh (READ_ONLY)", dir)); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"SELECT count(*) FROM (SELECT * FROM main.orders EXCEPT ALL SELECT * FROM wh.main.orders)",
		"SELECT count(*) FROM (SELECT * FROM wh.main.orders EXCEPT ALL SELECT * FROM main.orders)",
		"SELECT count(*) - count(DISTINCT order_id) FROM main.orders",
	} {
		var n int64
		if err := db.QueryRow(q).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s = %d (%v), want 0", q, n, err)
		}
	}
	var n int64
	if err := db.QueryRow("SELECT count(*) FROM main.orders").Scan(&n); err != nil || n != in[0] {
		t.Errorf("target has %d orders (%v), want %d", n, err, in[0])
	}
}
