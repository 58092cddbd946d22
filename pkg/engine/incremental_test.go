package engine_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// growingOrders generates orders once and can write three versions of
// in/orders.csv: each later one appends newer rows and updates rows near the end
// of the earlier one (inside the lookback), as a live system would.
type growingOrders struct {
	t   *testing.T
	db  *sql.DB
	dir string
}

func newGrowingOrders(t *testing.T, dir string) *growingOrders {
	gen := filepath.Join(dir, "gen")
	apply(t, compile(t, gen+"-spec", fmt.Sprintf(`version: 1
name: gen
source: {kind: thelook, scale: 0.005, seed: 11}
warehouse: {path: %s-spec/ecom.duckdb}
tables: [{name: orders}]
sinks: [{name: files, kind: csv, path: %s}]
`, gen, gen)))
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	g := &growingOrders{t: t, db: db, dir: filepath.Join(dir, "in")}
	g.exec(fmt.Sprintf(`CREATE TABLE orders AS SELECT * FROM read_csv('%s/orders.csv', all_varchar = true)`, gen))
	// Cut points at the 50th and 80th percentile of created_at.
	g.exec(`CREATE TABLE cuts AS SELECT quantile_disc(created_at::TIMESTAMPTZ, 0.5) AS t1,
		quantile_disc(created_at::TIMESTAMPTZ, 0.8) AS t2 FROM orders`)
	if err := os.MkdirAll(g.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return g
}

func (g *growingOrders) exec(q string) {
	g.t.Helper()
	if _, err := g.db.Exec(q); err != nil {
		g.t.Fatalf("%s: %v", q, err)
	}
}

// version writes the source as it stands at step 1, 2 or 3 (3 = everything).
func (g *growingOrders) version(step int) {
	g.t.Helper()
	cond := map[int]string{
		1: "created_at::TIMESTAMPTZ < (SELECT t1 FROM cuts)",
		2: "created_at::TIMESTAMPTZ < (SELECT t2 FROM cuts)",
		3: "TRUE",
	}[step]
	// From step 2 on, orders placed in the day before the first cut were cancelled.
	update := "FALSE"
	if step >= 2 {
		update = "created_at::TIMESTAMPTZ >= (SELECT t1 FROM cuts) - INTERVAL 1 DAY AND created_at::TIMESTAMPTZ < (SELECT t1 FROM cuts)"
	}
	g.exec(fmt.Sprintf(`COPY (SELECT * REPLACE (
			CASE WHEN %[1]s THEN 'Cancelled' ELSE status END AS status,
			CASE WHEN %[1]s THEN NULL ELSE shipped_at END AS shipped_at,
			CASE WHEN %[1]s THEN NULL ELSE delivered_at END AS delivered_at,
			CASE WHEN %[1]s THEN NULL ELSE returned_at END AS returned_at)
		FROM orders WHERE %[2]s ORDER BY order_id::BIGINT) TO '%[3]s/orders.csv' (HEADER)`, update, cond, g.dir))
}

func (g *growingOrders) count(q string) int64 {
	g.t.Helper()
	var n int64
	if err := g.db.QueryRow(q).Scan(&n); err != nil {
		g.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func incrementalSpec(in, dir, mode string) string {
	table := "{name: orders, mode: incremental, cursor: created_at, lookback: 2d}"
	if mode == "snapshot" {
		table = "{name: orders}"
	}
	return fmt.Sprintf(`version: 1
name: incr
source: {kind: files, dir: %s, format: csv}
warehouse: {path: %s/ecom.duckdb}
tables: [%s]
sinks: [{name: files, kind: csv, path: %s/csv}]
`, in, dir, table, dir)
}

func applyWith(t *testing.T, plan *spec.Plan, o engine.Options) *report.Table {
	t.Helper()
	rep, err := engine.Apply(context.Background(), plan, o)
	if err != nil {
		t.Fatal(err)
	}
	return rep.Tables[0]
}

func TestIncrementalReadsOnlyNewRowsAndEndsLikeASnapshot(t *testing.T) {
	dir := t.TempDir()
	g := newGrowingOrders(t, dir)
	wh := filepath.Join(dir, "incr")
	plan := compile(t, wh, incrementalSpec(g.dir, wh, "incremental"))

	g.version(1)
	first := applyWith(t, plan, engine.Options{})
	if first.ReadFrom != "" || first.RowsIn != g.count("SELECT count(*) FROM orders WHERE created_at::TIMESTAMPTZ < (SELECT t1 FROM cuts)") {
		t.Fatalf("first run read %d rows from %q, want every row of version 1", first.RowsIn, first.ReadFrom)
	}
	for step := 2; step <= 3; step++ {
		g.version(step)
		tr := applyWith(t, plan, engine.Options{})
		// It reads what is at or past the previous watermark less two days, and no more.
		want := g.count(fmt.Sprintf("SELECT count(*) FROM read_csv('%s/orders.csv', all_varchar = true) WHERE created_at::TIMESTAMPTZ >= %s", g.dir, tr.ReadFrom))
		total := g.count(fmt.Sprintf("SELECT count(*) FROM read_csv('%s/orders.csv', all_varchar = true)", g.dir))
		if tr.ReadFrom == "" || tr.RowsIn != want || tr.RowsIn >= total {
			t.Errorf("step %d read %d rows from %q; %d rows are past that bound, %d in the file", step, tr.RowsIn, tr.ReadFrom, want, total)
		}
		if tr.RowsIn != tr.RowsLoaded+tr.RowsQuarantined {
			t.Errorf("step %d: %d in, %d loaded, %d quarantined", step, tr.RowsIn, tr.RowsLoaded, tr.RowsQuarantined)
		}
	}

	snap := filepath.Join(dir, "snap")
	full := applyWith(t, compile(t, snap, incrementalSpec(g.dir, snap, "snapshot")), engine.Options{})
	db := query(t, filepath.Join(wh, "ecom.duckdb"))
	if _, err := db.Exec(fmt.Sprintf("ATTACH '%s/ecom.duckdb' AS snap (READ_ONLY)", snap)); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"SELECT count(*) FROM (SELECT * FROM main.orders EXCEPT ALL SELECT * FROM snap.main.orders)",
		"SELECT count(*) FROM (SELECT * FROM snap.main.orders EXCEPT ALL SELECT * FROM main.orders)",
	} {
		if n := scalar[int64](t, db, q); n != 0 {
			t.Errorf("the incremental warehouse and a snapshot of the final data differ by %d rows: %s", n, q)
		}
	}
	if n := scalar[int64](t, db, "SELECT count(*) FROM main.orders"); n != full.RowsLoaded || n == 0 {
		t.Errorf("incremental warehouse has %d orders, snapshot %d", n, full.RowsLoaded)
	}
	if n := scalar[int64](t, db, "SELECT count(*) - count(DISTINCT order_id) FROM main.orders"); n != 0 {
		t.Errorf("%d duplicate orders after merging", n)
	}
	if n := scalar[int64](t, db, "SELECT count(*) FROM main.orders WHERE status = 'Cancelled' AND shipped_at IS NOT NULL"); n != 0 {
		t.Errorf("%d updated orders kept their old values", n)
	}
	wm := scalar[string](t, db, "SELECT watermark FROM _ecomrun.state WHERE table_name = 'orders' AND status = 'ok'")
	if max := scalar[string](t, db, "SELECT max(created_at)::VARCHAR FROM main.orders"); wm != max {
		t.Errorf("stored watermark %s, want the largest created_at %s", wm, max)
	}
}

func TestFullRefreshReadsEverythingAgain(t *testing.T) {
	dir := t.TempDir()
	g := newGrowingOrders(t, dir)
	wh := filepath.Join(dir, "incr")
	plan := compile(t, wh, incrementalSpec(g.dir, wh, "incremental"))
	g.version(3)
	applyWith(t, plan, engine.Options{})
	again := applyWith(t, plan, engine.Options{})
	refreshed := applyWith(t, plan, engine.Options{FullRefresh: true, FullRefreshTables: []string{"orders"}})
	all := g.count(fmt.Sprintf("SELECT count(*) FROM read_csv('%s/orders.csv')", g.dir))
	if again.RowsIn >= all || refreshed.RowsIn != all || refreshed.ReadFrom != "" {
		t.Errorf("rerun read %d, full refresh read %d from %q; the file has %d", again.RowsIn, refreshed.RowsIn, refreshed.ReadFrom, all)
	}
}
