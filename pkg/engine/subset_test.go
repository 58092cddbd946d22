package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

func subsetSpec(dir string) string {
	return fmt.Sprintf(`version: 1
name: subset
source: {kind: thelook, scale: 0.002, seed: 7}
warehouse: {path: %[1]s/ecom.duckdb}
tables:
  - {name: users}
  - {name: orders, enable: [user_id_references]}
  - {name: products}
sinks: [{name: files, kind: csv, path: %[1]s/csv}]
`, dir)
}

func manifestRuns(t *testing.T, dir string) map[string]string {
	t.Helper()
	m, err := stages.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	runs := map[string]string{}
	for _, e := range m.Tables {
		runs[e.File] = e.RunID
	}
	return runs
}

// TestTablesRunsASubsetAndWhatItsRelationshipsRead: --tables orders runs orders and
// users (orders' user_id_references reads users); products keeps its table, state,
// file and manifest entry from the first run, byte for byte.
func TestTablesRunsASubsetAndWhatItsRelationshipsRead(t *testing.T) {
	dir := t.TempDir()
	plan := compile(t, dir, subsetSpec(dir))
	first := apply(t, plan)

	sub, needed, err := engine.Subset(plan, []string{"orders"})
	if err != nil {
		t.Fatal(err)
	}
	if len(needed) != 1 || needed[0] != (engine.Needed{Table: "users", By: "orders", Rule: "user_id_references"}) {
		t.Fatalf("needed %+v, want users for orders.user_id_references", needed)
	}
	if _, _, err := engine.Subset(plan, []string{"events"}); err == nil {
		t.Error("a table the spec does not have was accepted")
	}
	productsCSV := sha(t, filepath.Join(dir, "csv", "products.csv"))
	db := query(t, filepath.Join(dir, "ecom.duckdb"))
	productsSum := scalar[string](t, db, "SELECT sum(hash(p))::VARCHAR FROM products p")
	db.Close()

	second, err := engine.Apply(context.Background(), sub, engine.Options{Parallelism: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Tables) != 2 {
		t.Fatalf("the subset run reported %d tables, want orders and users", len(second.Tables))
	}
	for _, s := range second.Stages {
		if s.Table == "products" {
			t.Errorf("stage %s ran", s.ID)
		}
	}
	db = query(t, filepath.Join(dir, "ecom.duckdb"))
	for table, run := range map[string]string{"users": second.RunID, "orders": second.RunID, "products": first.RunID} {
		if got := scalar[string](t, db, "SELECT last_run_id FROM _ecomrun.state WHERE table_name = ?", table); got != run {
			t.Errorf("state of %s: last run %s, want %s", table, got, run)
		}
	}
	if got := scalar[string](t, db, "SELECT sum(hash(p))::VARCHAR FROM products p"); got != productsSum {
		t.Error("the products table changed")
	}
	if got := sha(t, filepath.Join(dir, "csv", "products.csv")); got != productsCSV {
		t.Error("products.csv changed")
	}
	runs := manifestRuns(t, filepath.Join(dir, "csv"))
	if runs["products.csv"] != first.RunID || runs["orders.csv"] != second.RunID || runs["users.csv"] != second.RunID {
		t.Errorf("manifest runs %v: products should be the first run's, orders and users the second's", runs)
	}
}
