package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func open(t *testing.T) *Warehouse {
	t.Helper()
	w, err := Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// numbers is an Arrow stream of n rows (id, label) in batches of 1000.
func numbers(n int) array.RecordReader {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	var recs []arrow.RecordBatch
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := 0; i < n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.StringBuilder).Append("row")
		if (i+1)%1000 == 0 || i == n-1 {
			recs = append(recs, b.NewRecordBatch())
		}
	}
	r, err := array.NewRecordReader(schema, recs)
	if err != nil {
		panic(err)
	}
	return r
}

func TestCreateFromArrowStreamsEveryBatch(t *testing.T) {
	w := open(t)
	ctx := context.Background()
	n, err := w.CreateFromArrow(ctx, "t", numbers(2500), func(view string) string {
		return "SELECT id, label FROM " + view + " WHERE id % 2 = 0"
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1250 {
		t.Fatalf("rows = %d, want 1250", n)
	}
	var sum int64
	if err := w.DB.QueryRow("SELECT sum(id) FROM t").Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if want := int64(1249 * 1250); sum != want { // 0+2+...+2498
		t.Fatalf("sum(id) = %d, want %d", sum, want)
	}
}

// DuckDB pushes comparison filters into the Arrow scan, which applies none of them;
// CreateFromArrow must still filter.
func TestCreateFromArrowAppliesComparisonFilters(t *testing.T) {
	w := open(t)
	for cond, want := range map[string]int64{
		"id >= 2000":               500,
		"id >= 2000 AND id < 2100": 100,
		"label = 'x'":              0,
		"label = 'row' AND id < 3": 3,
	} {
		n, err := w.CreateFromArrow(context.Background(), "t", numbers(2500), func(view string) string {
			return "SELECT id, label FROM " + view + " WHERE " + cond
		}, true)
		if err != nil || n != want {
			t.Errorf("WHERE %s: %d rows (%v), want %d", cond, n, err, want)
		}
	}
}

// Filters hold at any parallelism: no ingest may change how another is planned
// (DuckDB's disabled_optimizers is global, so flipping it per ingest once let 45 of
// 300 concurrent filtered ingests keep every row).
func TestConcurrentFilteredIngestsAllFilter(t *testing.T) {
	w := open(t)
	ctx := context.Background()
	const ingests = 200
	errs := make(chan error, ingests)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range ingests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			filtered := i%2 == 0 // unfiltered ingests interleave with filtered ones
			n, err := w.CreateFromArrow(ctx, fmt.Sprintf("t%d", i), numbers(3000), func(from string) string {
				if !filtered {
					return "SELECT id, label FROM " + from
				}
				return fmt.Sprintf("SELECT id, label FROM %s WHERE id >= %d", from, i)
			}, filtered)
			want := int64(3000)
			if filtered {
				want -= int64(i)
			}
			if err == nil && n != want {
				err = fmt.Errorf("ingest %d (filtered %v): %d rows, want %d", i, filtered, n, want)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// The load stage relies on DuckDB taking a drop and a rename in one transaction,
// and on a rollback leaving the old table in place.

func TestSwapInOneTransaction(t *testing.T) {
	w := open(t)
	ctx := context.Background()
	for _, q := range []string{
		"CREATE TABLE live AS SELECT range AS id FROM range(10)",
		"CREATE TABLE staged AS SELECT range AS id FROM range(100)",
	} {
		if err := w.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	swap := func(tx *sql.Tx) error {
		for _, q := range []string{"CREATE TABLE finished AS SELECT * FROM staged WHERE id < 90", "DROP TABLE staged", "DROP TABLE live", "ALTER TABLE finished RENAME TO live"} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	}
	failing := func(tx *sql.Tx) error {
		if err := swap(tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "SELECT no_such_column FROM live")
		return err
	}
	if err := w.Tx(ctx, failing); err == nil {
		t.Fatal("the failing transaction committed")
	}
	if n, _ := w.Count(ctx, "live"); n != 10 {
		t.Fatalf("after rollback live has %d rows, want the old 10", n)
	}
	if err := w.Tx(ctx, swap); err != nil {
		t.Fatal(err)
	}
	if n, _ := w.Count(ctx, "live"); n != 90 {
		t.Fatalf("after swap live has %d rows, want 90", n)
	}
	if ok, _ := w.Exists(ctx, "", "main", "staged"); ok {
		t.Fatal("staged still exists after the rename")
	}
}

func TestSecondOpenSaysTheWarehouseIsInUse(t *testing.T) {
	// DuckDB's lock is per process; within one process the instance cache shares the
	// database, so a second process is what must be refused: the CLI tests do that.
	_, err := Open(context.Background(), filepath.Join(t.TempDir(), "a?b.duckdb"), Options{})
	if err == nil || !strings.Contains(err.Error(), "not allowed") {
		t.Fatalf("Open with '?' in the path = %v, want a clear refusal", err)
	}
}

// TestDropArrowCopiesSweepsWhatAKilledIngestLeft: the copy tables a filtered
// ingest killed between its two statements leaves are dropped, and nothing else:
// not a table whose name only looks alike, not the tables of the warehouse.
func TestDropArrowCopiesSweepsWhatAKilledIngestLeft(t *testing.T) {
	ctx := context.Background()
	w := open(t)
	for _, q := range []string{
		"CREATE TABLE _ecomrun_arrow_copy_7 AS SELECT 1 AS id",
		"CREATE TABLE _ecomrun_arrow_copy_12 AS SELECT 1 AS id",
		"CREATE TABLE _ecomrun_arrow_copyist AS SELECT 1 AS id",
		"CREATE TABLE users AS SELECT 1 AS id",
	} {
		if err := w.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.DropArrowCopies(ctx); err != nil {
		t.Fatal(err)
	}
	for table, want := range map[string]bool{"_ecomrun_arrow_copy_7": false, "_ecomrun_arrow_copy_12": false, "_ecomrun_arrow_copyist": true, "users": true} {
		if got, err := w.Exists(ctx, "", "main", table); err != nil || got != want {
			t.Errorf("%s exists: %v (%v), want %v", table, got, err, want)
		}
	}
	// A filtered ingest still works, and drops its own copy.
	if _, err := w.CreateFromArrow(ctx, "numbers", numbers(10), func(from string) string { return "SELECT * FROM " + from + " WHERE id < 5" }, true); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := w.DB.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_tables() WHERE starts_with(table_name, '_ecomrun_arrow_copy_')").Scan(&n); err != nil || n != 0 {
		t.Errorf("copies left after an ingest: %d (%v)", n, err)
	}
}
