package engine_test

import (
	"fmt"
	"path/filepath"
	"testing"
)

// An incremental table's sink files depend on its rows alone: a second run over
// the same data re-reads its lookback window and merges it, which moves rows in
// the warehouse, and still writes the same bytes (and so the same manifest sums).
func TestIncrementalSinkBytesDependOnRowsAlone(t *testing.T) {
	dir := t.TempDir()
	plan := compile(t, dir, fmt.Sprintf(`version: 1
name: inc
source: {kind: thelook, scale: 0.01, seed: 7, defects: 0.01}
warehouse: {path: %[1]s/ecom.duckdb}
tables:
  - {name: orders, mode: incremental, cursor: created_at, lookback: 30d}
sinks:
  - {name: files, kind: csv, path: %[1]s/csv}
  - {name: lake, kind: parquet, path: %[1]s/parquet}
`, dir))
	files := []string{"csv/orders.csv", "csv/orders.quarantine.csv", "parquet/orders.parquet", "parquet/orders.quarantine.parquet"}
	first := map[string]string{}
	rep := apply(t, plan)
	if rep.Tables[0].RowsQuarantined == 0 {
		t.Fatal("no quarantined rows: the test cannot see the quarantine's order")
	}
	for _, f := range files {
		first[f] = sha(t, filepath.Join(dir, f))
	}
	rep = apply(t, plan)
	if rep.Tables[0].RowsIn == 0 {
		t.Fatal("the second run read nothing: no merge to reorder rows")
	}
	for _, f := range files {
		if got := sha(t, filepath.Join(dir, f)); got != first[f] {
			t.Errorf("%s changed on a rerun over the same rows", f)
		}
	}
}
