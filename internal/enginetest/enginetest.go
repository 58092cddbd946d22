// Package enginetest holds the helpers that tests running whole pipelines share:
// write and compile a spec, apply it, and read the results back through DuckDB.
package enginetest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" driver, for reading results back

	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// Compile writes a spec to path (creating its folder) and compiles it, failing the
// test on any diagnostic.
func Compile(t testing.TB, path, body string) *spec.Plan {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	plan, ds := spec.Check(path)
	if ds.HasErrors() {
		t.Fatalf("spec errors:\n%v", ds)
	}
	return plan
}

// Load loads an inline spec (file t.yaml, no environment) and returns it, nil when
// it has errors, with each diagnostic as "LINE:COL: message", for a kind's tests
// of what its Check refuses.
func Load(src string) (*spec.Spec, []string) {
	s, diags := spec.Load("t.yaml", []byte(src), nil)
	out := []string{}
	for _, d := range diags {
		out = append(out, fmt.Sprintf("%d:%d: %s", d.Pos.Line, d.Pos.Col, d.Message))
	}
	return s, out
}

// Apply runs a plan on two stages at a time and fails the test if the run fails.
func Apply(t testing.TB, plan *spec.Plan) *report.Report {
	t.Helper()
	rep, err := engine.Apply(context.Background(), plan, engine.Options{Parallelism: 2})
	if err != nil {
		t.Fatalf("apply %s: %v", plan.Spec.Name, err)
	}
	return rep
}

// OpenReadOnly opens a finished run's DuckDB file read-only, as a second reader would.
func OpenReadOnly(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", path+"?access_mode=READ_ONLY")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Scalar runs a query that returns one value.
func Scalar[T any](t testing.TB, db *sql.DB, q string, args ...any) T {
	t.Helper()
	var v T
	if err := db.QueryRow(q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

// CustomerColumns is a spec's declaration of a table of the user's own with a
// column of every type but GEOGRAPHY (the YAML under a table, indented for it),
// which the end-to-end tests of each source load.
const CustomerColumns = `    key: customer_id
    columns:
      - {name: customer_id, type: INT64, required: true}
      - {name: email, type: STRING}
      - {name: signed_up_at, type: TIMESTAMP}
      - {name: lifetime_value, type: FLOAT64}
      - {name: active, type: BOOL}
      - {name: birthday, type: DATE}
      - {name: balance, type: NUMERIC}
      - {name: avatar, type: BYTES}
      - {name: last_seen, type: DATETIME}
      - {name: prefs, type: JSON}
`
