package engine_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/engine"
)

func rawReplaySpec(in, dir string, maxItems int) string {
	return fmt.Sprintf(`version: 1
name: raw
source: {kind: files, dir: %s, format: csv}
warehouse: {path: %s/ecom.duckdb}
tables:
  - name: orders
    mode: incremental
    cursor: created_at
    lookback: 1d
    rules: [{name: few_items, check: range, column: num_of_item, max: %d}]
sinks: [{name: files, kind: csv, path: %s/csv}]
`, in, dir, maxItems, dir)
}

// TestReplayFromAFilesSourceKeepsWhatOnlyTheSourceCouldCheck: the files source
// sets aside a row whose count does not convert, with where it came from and its
// text. Replay merges the rows a relaxed rule lets through into the incremental
// table on its key, and keeps the unconvertible row with its type reason first and
// every column of the quarantine (the source's file, line and text) as it was.
func TestReplayFromAFilesSourceKeepsWhatOnlyTheSourceCouldCheck(t *testing.T) {
	dir := t.TempDir()
	gen := filepath.Join(dir, "gen")
	apply(t, compile(t, gen, fmt.Sprintf(`version: 1
name: gen
source: {kind: thelook, scale: 0.002, seed: 11}
warehouse: {path: %[1]s/ecom.duckdb}
tables: [{name: orders}]
sinks: [{name: files, kind: csv, path: %[1]s/csv}]
`, gen)))
	in := filepath.Join(dir, "in")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	mem, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	// Order 1 gets a count that does not parse.
	if _, err := mem.Exec(fmt.Sprintf(`COPY (SELECT * REPLACE (CASE WHEN order_id = '1' THEN 'many' ELSE num_of_item END AS num_of_item)
		FROM read_csv('%s/csv/orders.csv', all_varchar = true)) TO '%s/orders.csv' (HEADER)`, gen, in)); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	apply(t, compile(t, run, rawReplaySpec(in, run, 2)))
	wh := filepath.Join(run, "ecom.duckdb")
	columns := "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_index) FROM duckdb_columns() WHERE schema_name = 'quarantine' AND table_name = 'orders'"
	one := "SELECT q::VARCHAR FROM (SELECT * EXCLUDE (_violations, _run_id) FROM quarantine.orders WHERE order_id::VARCHAR = '1') q"
	db := query(t, wh)
	loaded := scalar[int64](t, db, "SELECT count(*) FROM orders")
	want := scalar[int64](t, db, "SELECT count(*) FROM quarantine.orders WHERE _violations = ['few_items']")
	before, row1 := scalar[string](t, db, columns), scalar[string](t, db, one)
	if want == 0 || !strings.Contains(scalar[string](t, db, "SELECT _violations::VARCHAR FROM quarantine.orders WHERE order_id::VARCHAR = '1'"), "type_num_of_item") {
		t.Fatalf("the test needs rows under few_items alone (%d) and order 1 under type_num_of_item", want)
	}
	db.Close()

	res, err := engine.Replay(context.Background(), compile(t, run, rawReplaySpec(in, run, 4)), engine.ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Tables[0]; r.Moved != want || r.Kept != 1 || r.Rules["type_num_of_item"] != 1 || r.Rules["few_items"] != 0 {
		t.Errorf("replay says %+v, want %d moved and order 1 kept under type_num_of_item", r, want)
	}
	db = query(t, wh)
	if n := scalar[int64](t, db, "SELECT count(*) FROM orders"); n != loaded+want {
		t.Errorf("orders has %d rows, want %d", n, loaded+want)
	}
	if n := scalar[int64](t, db, "SELECT count(DISTINCT order_id) FROM orders"); n != loaded+want {
		t.Errorf("orders has %d distinct keys, want %d", n, loaded+want)
	}
	if typ := scalar[string](t, db, "SELECT data_type FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = 'orders' AND column_name = 'num_of_item'"); typ != "BIGINT" {
		t.Errorf("orders.num_of_item became %s", typ)
	}
	if got := scalar[string](t, db, columns); got != before {
		t.Errorf("the quarantine's columns changed:\n%s\nwere\n%s", got, before)
	}
	if got := scalar[string](t, db, one); got != row1 {
		t.Errorf("order 1 in quarantine changed:\n%s\nwas\n%s", got, row1)
	}
	if v := scalar[string](t, db, "SELECT _violations[1] FROM quarantine.orders WHERE order_id::VARCHAR = '1'"); v != "type_num_of_item" {
		t.Errorf("order 1's first reason is %s", v)
	}
}
