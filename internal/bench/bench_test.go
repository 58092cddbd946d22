package bench

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/sqlq"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

// TestMain lets the test binary be the benchmark's child process, as the
// ecomrun-bench command is its own.
func TestMain(m *testing.M) {
	if job, ok := ChildJob(); ok {
		os.Exit(RunChild(context.Background(), job, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

const dailySpec = "../../pipelines/daily.yaml"

// TestDriverProducesFigures runs every measurement once at a tiny scale, in child
// processes, and checks that each produced figures and the table prints them. It
// asserts nothing about speed: that is the benchmark's report, not a test.
func TestDriverProducesFigures(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c := Config{Scales: []float64{0.01}, Runs: 1, Spec: dailySpec, Exe: exe, TempDir: t.TempDir(), CPUProfileDir: t.TempDir()}
	figs, err := Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != 1 {
		t.Fatalf("%d scales of figures, want 1", len(figs))
	}
	f := figs[0]
	for _, kind := range Kinds {
		r := f.Median[kind]
		if r.Rows == 0 || r.Seconds <= 0 || r.PeakRSS <= 0 {
			t.Errorf("%s: %d rows in %v s, peak RSS %d: want all above 0", kind, r.Rows, r.Seconds, r.PeakRSS)
		}
	}
	if r := f.Median[KindValidate]; r.RowwiseSeconds <= 0 {
		t.Errorf("row-by-row validation took %v s", r.RowwiseSeconds)
	}
	var kinds []string
	for _, s := range f.Median[KindApply].Stages {
		kinds = append(kinds, s.Kind)
		if s.Rows != f.Median[KindApply].Rows {
			t.Errorf("stage kind %s handled %d rows, want %d", s.Kind, s.Rows, f.Median[KindApply].Rows)
		}
	}
	if got, want := strings.Join(kinds, ","), "extract,validate,load,sink csv,sink parquet"; got != want {
		t.Errorf("apply's stage kinds %s, want %s", got, want)
	}
	// The files measurements read what files-prepare wrote: the generator's rows,
	// every one of them through each reader, none quarantined by apply.
	if gen := f.Median[KindGenerate].Rows; f.Input.Rows != gen {
		t.Errorf("files-prepare wrote %d rows, the generator made %d", f.Input.Rows, gen)
	}
	for _, kind := range FilesKinds {
		if r := f.Median[kind]; r.Rows != f.Input.Rows || r.Quarantined != 0 {
			t.Errorf("%s: %d rows, %d quarantined; want %d, 0", kind, r.Rows, r.Quarantined, f.Input.Rows)
		}
	}
	for _, kind := range []string{KindFilesCSVApply, KindFilesParquetApply} {
		if n := len(f.Median[kind].Stages); n != 5 {
			t.Errorf("%s: %d stage kinds, want 5", kind, n)
		}
	}
	if p := filepath.Join(c.CPUProfileDir, "apply-scale0.01.pprof"); !nonEmpty(p) {
		t.Errorf("no CPU profile at %s", p)
	}
	var out strings.Builder
	Render(&out, "test machine", c.Runs, figs)
	for _, want := range []string{"apply / bare DuckDB", "generator ≥ 3M rows/s", "validation ≥ 10M rows/s", "apply peak RSS ≤ 1 GiB", "sink parquet",
		"files: bare DuckDB, read_csv", "files: script (issue 14), read_parquet", "files: apply, Parquet source",
		"CSV apply / the script", "CSV apply / bare DuckDB in apply's shape", "Parquet apply / bare DuckDB in apply's shape",
		"files CSV: apply CPU ≤ 1.20x the script", "files Parquet: apply wall ≤ 1.10x the script", "files CSV: apply peak RSS ≤ 1 GiB"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, out.String())
		}
	}
}

// TestPreparedFilesHaveTheExportShape writes a tiny scale's input files and reads
// them back: every table as many rows as generated in both formats, the CSV's
// timestamps as BigQuery's console writes them and its NULLs as empty fields.
func TestPreparedFilesHaveTheExportShape(t *testing.T) {
	ctx := context.Background()
	j := Job{Kind: kindPrepareFiles, Spec: dailySpec, Scale: 0.005, Dir: t.TempDir(), Input: t.TempDir()}
	plan, err := loadPlan(j)
	if err != nil {
		t.Fatal(err)
	}
	r, err := prepareFiles(ctx, j, plan)
	if err != nil {
		t.Fatal(err)
	}
	gen, err := generate(plan)
	if err != nil {
		t.Fatal(err)
	}
	if r.Rows != gen.Rows || r.Rows == 0 {
		t.Fatalf("wrote %d rows, the generator makes %d", r.Rows, gen.Rows)
	}
	wh, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "check.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	var csvRows, parquetRows int64
	for _, tp := range plan.Tables {
		csv := sqlq.String(filepath.Join(j.Input, "csv", tp.Name+".csv"))
		n, err := wh.Count(ctx, fmt.Sprintf("read_csv(%s, header = true, all_varchar = true)", csv))
		if err != nil {
			t.Fatal(err)
		}
		csvRows += n
		n, err = wh.Count(ctx, fmt.Sprintf("read_parquet(%s)", sqlq.String(filepath.Join(j.Input, "parquet", tp.Name+".parquet"))))
		if err != nil {
			t.Fatal(err)
		}
		parquetRows += n
	}
	if csvRows != r.Rows || parquetRows != r.Rows {
		t.Errorf("read back %d CSV and %d Parquet rows, wrote %d", csvRows, parquetRows, r.Rows)
	}
	// orders: created_at always set, shipped_at NULL for orders not shipped.
	orders := sqlq.String(filepath.Join(j.Input, "csv", "orders.csv"))
	var created string
	var badTS, emptyShipped int64
	err = wh.DB.QueryRowContext(ctx, fmt.Sprintf(`SELECT min(created_at),
		count(*) FILTER (WHERE NOT regexp_full_match(created_at, '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} UTC')),
		count(*) FILTER (WHERE shipped_at IS NULL)
		FROM read_csv(%s, header = true, all_varchar = true)`, orders)).Scan(&created, &badTS, &emptyShipped)
	if err != nil {
		t.Fatal(err)
	}
	if badTS != 0 || emptyShipped == 0 {
		t.Errorf("orders.csv: %d created_at not like 2024-06-23 23:41:55.000000 UTC (e.g. %q), %d empty shipped_at (want some)", badTS, created, emptyShipped)
	}
}

// TestConsistencyRefusesFilesRowsThatDisagree checks the driver's own check can fail.
func TestConsistencyRefusesFilesRowsThatDisagree(t *testing.T) {
	f := Figures{Scale: 1, Input: Result{Rows: 10}, Runs: map[string][]Result{
		KindFilesCSVBaseline: {{Rows: 10}}, KindFilesCSVApply: {{Rows: 10}, {Rows: 9}},
	}, Median: map[string]Result{}}
	if err := f.consistent(); err == nil || !strings.Contains(err.Error(), "files-csv-apply handled 9 rows") {
		t.Errorf("got %v, want files-csv-apply's 9 rows refused", err)
	}
	f.Runs[KindFilesCSVApply] = []Result{{Rows: 10, Quarantined: 1}}
	if err := f.consistent(); err == nil {
		t.Error("a quarantined row passed")
	}
	f.Runs[KindFilesCSVApply] = []Result{{Rows: 10}}
	if err := f.consistent(); err != nil {
		t.Error(err)
	}
}

// TestConsistencyWithoutGeneratorOrFiles: measurements of neither path (validate
// alone) are held to their first run's rows.
func TestConsistencyWithoutGeneratorOrFiles(t *testing.T) {
	f := Figures{Scale: 1, Runs: map[string][]Result{KindValidate: {{Rows: 10}, {Rows: 10}}}, Median: map[string]Result{}}
	if err := f.consistent(); err != nil {
		t.Error(err)
	}
	f.Runs[KindValidate] = append(f.Runs[KindValidate], Result{Rows: 9})
	if err := f.consistent(); err == nil || !strings.Contains(err.Error(), "validate handled 9 rows") {
		t.Errorf("got %v, want the run of 9 rows refused", err)
	}
}

// TestRowByRowAgreesWithSQL breaks rules of every kind the default pipeline runs
// and checks that the row-by-row pass counts exactly what the SQL pass does, per
// rule: the comparison the benchmark prints is between two equal validations.
func TestRowByRowAgreesWithSQL(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	plan, err := loadPlan(Job{Spec: dailySpec, Scale: 0.005, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	wh, err := warehouse.Open(ctx, filepath.Join(dir, "v.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	if err := loadTyped(ctx, wh, plan); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		// accepted_values, range, the expressions, status/timestamps
		"UPDATE orders SET status = 'Lost' WHERE order_id % 50 = 1",
		"UPDATE orders SET num_of_item = 9 WHERE order_id % 70 = 2",
		"UPDATE orders SET shipped_at = created_at - INTERVAL 1 DAY WHERE order_id % 40 = 3 AND shipped_at IS NOT NULL",
		"UPDATE orders SET returned_at = NULL WHERE status = 'Returned' AND order_id % 3 = 0",
		// unique (within a scan slice, and across slices), not_null
		"UPDATE users SET id = 1 WHERE id IN (2, 3)",
		"UPDATE events SET id = 1 WHERE id = 5000",
		"UPDATE users SET created_at = NULL WHERE id % 90 = 5",
		"UPDATE events SET browser = 'Lynx' WHERE id % 100 = 7",
		"UPDATE inventory_items SET sold_at = created_at - INTERVAL 1 HOUR WHERE id % 60 = 1",
		"UPDATE order_items SET inventory_item_id = 1 WHERE id IN (5, 6)",
		"UPDATE products SET cost = -1 WHERE id % 30 = 4",
	} {
		if err := wh.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	defer func(n int64) { scanSlice = n }(scanSlice)
	scanSlice = 1000 // many slices: a duplicate's first holder is in an earlier one
	rows, bySQL, err := sqlPass(ctx, wh.DB, plan)
	if err != nil {
		t.Fatal(err)
	}
	goRows, byGo, err := goPass(ctx, wh.DB, plan)
	if err != nil {
		t.Fatal(err)
	}
	if rows != goRows || !maps.Equal(bySQL, byGo) {
		t.Errorf("rows %d vs %d\nSQL %v\nGo  %v", rows, goRows, bySQL, byGo)
	}
	for _, rule := range []string{"orders.status_accepted", "orders.num_of_item_range", "orders.timestamps_in_order",
		"orders.shipped_after_created", "orders.timestamps_match_status", "users.id_unique", "users.created_at_not_null",
		"events.browser_accepted", "events.id_unique", "inventory_items.sold_after_created", "order_items.inventory_item_id_unique", "products.cost_range"} {
		if bySQL[rule] == 0 {
			t.Errorf("no row broke %s: the test does not test it", rule)
		}
	}
}

func nonEmpty(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Size() > 0
}
