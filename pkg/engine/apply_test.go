package engine_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/internal/enginetest"
	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

// allTables is the tables: block naming the seven tables with their models only.
func allTables() string {
	var b strings.Builder
	for _, t := range catalog.Tables {
		fmt.Fprintf(&b, "  - name: %s\n", t)
	}
	return b.String()
}

// compile writes a spec into dir/spec.yaml and compiles it.
func compile(t *testing.T, dir, body string) *spec.Plan {
	t.Helper()
	return enginetest.Compile(t, filepath.Join(dir, "spec.yaml"), body)
}

var (
	apply = enginetest.Apply
	query = enginetest.OpenReadOnly
)

func scalar[T any](t *testing.T, db *sql.DB, q string, args ...any) T {
	t.Helper()
	return enginetest.Scalar[T](t, db, q, args...)
}

// generatedSpec is the default pipeline's shape at a small scale, writing under dir.
func generatedSpec(dir string, scale float64) string {
	return fmt.Sprintf(`version: 1
name: test
source: {kind: thelook, scale: %g, seed: 7}
warehouse: {path: %s/ecom.duckdb}
tables:
%ssinks:
  - {name: files, kind: csv, path: %s/csv}
  - {name: lake, kind: parquet, path: %s/parquet}
`, scale, dir, allTables(), dir, dir)
}

func sha(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestApplyLoadsEveryTableAndWritesMatchingFiles(t *testing.T) {
	dir := t.TempDir()
	rep := apply(t, compile(t, dir, generatedSpec(dir, 0.01)))
	if rep.Status != "ok" {
		t.Fatalf("status %s: %v", rep.Status, rep.Errors)
	}
	db := query(t, filepath.Join(dir, "ecom.duckdb"))
	if n := scalar[int](t, db, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main'"); n != 7 {
		t.Errorf("warehouse has %d tables, want 7", n)
	}
	for _, tr := range rep.Tables {
		if tr.RowsIn == 0 || tr.RowsLoaded != tr.RowsIn || tr.RowsQuarantined != 0 {
			t.Errorf("%s: in %d, loaded %d, quarantined %d: clean generated data must load whole", tr.Name, tr.RowsIn, tr.RowsLoaded, tr.RowsQuarantined)
		}
		if got := scalar[int64](t, db, fmt.Sprintf("SELECT count(*) FROM main.%q", tr.Name)); got != tr.RowsLoaded {
			t.Errorf("%s: warehouse has %d rows, report says %d", tr.Name, got, tr.RowsLoaded)
		}
		csvPath := filepath.Join(dir, "csv", tr.Name+".csv")
		if got := scalar[int64](t, db, "SELECT count(*) FROM read_csv(?, header = true)", csvPath); got != tr.RowsLoaded {
			t.Errorf("%s.csv has %d rows, want %d", tr.Name, got, tr.RowsLoaded)
		}
		pq := filepath.Join(dir, "parquet", tr.Name+".parquet")
		if got := scalar[int64](t, db, "SELECT count(*) FROM read_parquet(?)", pq); got != tr.RowsLoaded {
			t.Errorf("%s.parquet has %d rows, want %d", tr.Name, got, tr.RowsLoaded)
		}
		// The same values, not just the same count.
		diff := scalar[int64](t, db, fmt.Sprintf("SELECT count(*) FROM (SELECT * FROM read_parquet(?) EXCEPT ALL SELECT * FROM main.%q)", tr.Name), pq)
		if diff != 0 {
			t.Errorf("%s.parquet has %d rows that differ from the warehouse", tr.Name, diff)
		}
	}
	if len(rep.Outputs) != 2*7*2 { // two sinks, seven tables, each table file + its quarantine file
		t.Errorf("%d outputs, want 28", len(rep.Outputs))
	}
	for _, sink := range []string{"csv", "parquet"} {
		b, err := os.ReadFile(filepath.Join(dir, sink, stages.ManifestName))
		if err != nil {
			t.Fatal(err)
		}
		var m stages.Manifest
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if len(m.Tables) != 14 {
			t.Errorf("%s manifest lists %d files, want 14", sink, len(m.Tables))
		}
		for _, e := range m.Tables {
			if got := sha(t, filepath.Join(dir, sink, e.File)); got != e.SHA256 || e.RunID != rep.RunID {
				t.Errorf("%s/%s: sha256 %s run %s, manifest says %s run %s", sink, e.File, got, rep.RunID, e.SHA256, e.RunID)
			}
		}
	}
	for _, st := range rep.Stages {
		if st.Status != "ok" || st.Ended.Before(st.Started) {
			t.Errorf("stage %s: %s, %v..%v", st.ID, st.Status, st.Started, st.Ended)
		}
	}
}

func TestRerunGivesIdenticalTablesAndBytes(t *testing.T) {
	dir := t.TempDir()
	plan := compile(t, dir, generatedSpec(dir, 0.005))
	first := apply(t, plan)
	second := apply(t, plan)
	if first.RunID == second.RunID {
		t.Fatal("two runs share a run id")
	}
	if len(first.Outputs) == 0 || len(first.Outputs) != len(second.Outputs) {
		t.Fatalf("outputs %d then %d", len(first.Outputs), len(second.Outputs))
	}
	for i, o := range first.Outputs {
		if p := second.Outputs[i]; p.Path != o.Path || p.SHA256 != o.SHA256 || p.Rows != o.Rows {
			t.Errorf("%s: rerun wrote %s (%d rows), first run %s (%d rows)", o.Path, p.SHA256, p.Rows, o.SHA256, o.Rows)
		}
	}
}

// Clean generated data at scale 1 (about 3.3 million rows) breaks none of the
// built-in rules, the relationships between the tables included.
func TestScaleOneBreaksNoBuiltinRule(t *testing.T) {
	dir := t.TempDir()
	rep := apply(t, compile(t, dir, fmt.Sprintf(`version: 1
name: scale1
source: {kind: thelook, scale: 1, seed: 42}
warehouse: {path: %s/ecom.duckdb}
tables:
  - {name: distribution_centers}
  - {name: products, enable: [distribution_center_id_references]}
  - {name: users}
  - {name: orders, enable: [user_id_references]}
  - {name: inventory_items, enable: [product_id_references]}
  - {name: order_items, enable: [order_id_references, product_id_references, inventory_item_id_references]}
  - {name: events, enable: [user_id_references]}
`, dir)))
	var rows int64
	for _, tr := range rep.Tables {
		rows += tr.RowsIn
		for _, v := range tr.Violations {
			if v.Rows != 0 {
				t.Errorf("%s.%s broken by %d rows", tr.Name, v.Rule, v.Rows)
			}
		}
		if tr.RowsQuarantined != 0 || tr.RowsLoaded != tr.RowsIn {
			t.Errorf("%s: %d in, %d loaded, %d quarantined", tr.Name, tr.RowsIn, tr.RowsLoaded, tr.RowsQuarantined)
		}
	}
	if rows < 3_000_000 {
		t.Errorf("scale 1 moved %d rows, want about 3.3 million", rows)
	}
}
