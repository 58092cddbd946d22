package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/engine"
)

func replaySpec(dir string, maxItems int) string {
	return fmt.Sprintf(`version: 1
name: replay
source: {kind: thelook, scale: 0.002, seed: 7}
warehouse: {path: %[1]s/ecom.duckdb}
tables:
  - name: orders
    rules:
      - {name: few_items, check: range, column: num_of_item, max: %[2]d}
      - {name: not_cancelled, check: accepted_values, column: status, values: [Shipped, Complete, Processing, Returned]}
  - {name: users}
sinks: [{name: files, kind: csv, path: %[1]s/csv}]
`, dir, maxItems)
}

// TestReplayMovesTheRowsARelaxedRuleLetsThrough: a run quarantines orders with more
// than two items or cancelled; the item rule is relaxed to four; replay moves
// exactly the orders that broke only the item rule into the table and the csv
// sink, and the rest stay with not_cancelled as their only reason.
func TestReplayMovesTheRowsARelaxedRuleLetsThrough(t *testing.T) {
	dir := t.TempDir()
	first := apply(t, compile(t, dir, replaySpec(dir, 2)))
	wh := filepath.Join(dir, "ecom.duckdb")

	db := query(t, wh)
	loaded := scalar[int64](t, db, "SELECT count(*) FROM orders")
	quarantined := scalar[int64](t, db, "SELECT count(*) FROM quarantine.orders")
	want := scalar[int64](t, db, "SELECT count(*) FROM quarantine.orders WHERE NOT list_contains(_violations, 'not_cancelled')")
	both := scalar[int64](t, db, "SELECT count(*) FROM quarantine.orders WHERE _violations = ['few_items', 'not_cancelled']")
	wantIDs := scalar[string](t, db, "SELECT string_agg(order_id::VARCHAR, ',' ORDER BY order_id) FROM quarantine.orders WHERE NOT list_contains(_violations, 'not_cancelled')")
	db.Close()
	if want == 0 || both == 0 || want == quarantined {
		t.Fatalf("the first run quarantined %d orders, %d under few_items only, %d under both: the test needs some of each", quarantined, want, both)
	}

	res, err := engine.Replay(context.Background(), compile(t, dir, replaySpec(dir, 4)), engine.ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tables) != 1 || res.Tables[0].Table != "orders" {
		t.Fatalf("replayed %+v, want orders only (users has no quarantined rows)", res.Tables)
	}
	r := res.Tables[0]
	if r.Quarantined != quarantined || r.Moved != want || r.Kept != quarantined-want || r.Rules["not_cancelled"] != r.Kept || r.Rules["few_items"] != 0 {
		t.Errorf("replay says %+v; want %d quarantined, %d moved, %d kept under not_cancelled", r, quarantined, want, quarantined-want)
	}

	db = query(t, wh)
	if n := scalar[int64](t, db, "SELECT count(*) FROM orders"); n != loaded+want {
		t.Errorf("orders has %d rows, want %d + %d moved", n, loaded, want)
	}
	moved := scalar[string](t, db, "SELECT string_agg(order_id::VARCHAR, ',' ORDER BY order_id) FROM orders WHERE num_of_item > 2")
	if moved != wantIDs {
		t.Errorf("orders with more than two items: %s, want the quarantined %s", moved, wantIDs)
	}
	if n := scalar[int64](t, db, "SELECT count(*) FROM quarantine.orders WHERE _violations = ['not_cancelled'] AND _run_id = ?", first.RunID); n != quarantined-want {
		t.Errorf("%d quarantined rows with not_cancelled alone and the first run's id, want %d", n, quarantined-want)
	}
	if n := scalar[int64](t, db, "SELECT count(*) FROM quarantine.orders"); n != quarantined-want {
		t.Errorf("%d rows left in quarantine, want %d", n, quarantined-want)
	}
	if n := scalar[int64](t, db, "SELECT moved FROM _ecomrun.replays WHERE run_id = ? AND table_name = 'orders'", res.RunID); n != want {
		t.Errorf("_ecomrun.replays records %d moved, want %d", n, want)
	}
	// The csv sink has the table and the quarantine as the warehouse has them now.
	csv := filepath.Join(dir, "csv")
	if n := scalar[int64](t, db, fmt.Sprintf("SELECT count(*) FROM read_csv('%s/orders.csv')", csv)); n != loaded+want {
		t.Errorf("orders.csv has %d rows, want %d", n, loaded+want)
	}
	if got := scalar[string](t, db, fmt.Sprintf("SELECT string_agg(order_id::VARCHAR, ',' ORDER BY order_id) FROM read_csv('%s/orders.csv') WHERE num_of_item > 2", csv)); got != wantIDs {
		t.Errorf("orders.csv has the orders %s with more than two items, want %s", got, wantIDs)
	}
	if n := scalar[int64](t, db, fmt.Sprintf("SELECT count(*) FROM read_csv('%s/orders.quarantine.csv') WHERE _violations = '[not_cancelled]'", csv)); n != quarantined-want {
		t.Errorf("orders.quarantine.csv has %d rows under not_cancelled alone, want %d", n, quarantined-want)
	}
	runs := manifestRuns(t, csv)
	if runs["orders.csv"] != res.RunID || runs["users.csv"] != first.RunID {
		t.Errorf("manifest runs %v: orders should be the replay's, users the first run's", runs)
	}
}
