package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
	"github.com/ecomrun/ecomrun/pkg/stages"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

// The files source's measurements (issue 14): the generator's tables written once
// per scale as files in the shape of thelook's exports, then read by apply with
// the files source and by bare DuckDB.
const (
	KindFilesCSVBaseline     = "files-csv-baseline"     // bare DuckDB: read_csv (detected types), CREATE TABLE, COPY to CSV and Parquet
	KindFilesCSVApply        = "files-csv-apply"        // ecomrun apply of the spec with source {kind: files, format: csv}
	KindFilesParquetBaseline = "files-parquet-baseline" // bare DuckDB: read_parquet, CREATE TABLE, COPY to CSV and Parquet
	KindFilesParquetApply    = "files-parquet-apply"    // ecomrun apply of the spec with source {kind: files, format: parquet}
	KindFilesCSVScript       = "files-csv-script"       // issue 14's bare DuckDB script: the baseline's statements, table after table
	KindFilesParquetScript   = "files-parquet-script"   // the same for Parquet

	// kindPrepareFiles writes a scale's input files; it is not a measurement.
	kindPrepareFiles = "files-prepare"
)

// filesFormat is the input format a files measurement reads, "" for any other kind.
func filesFormat(kind string) string {
	switch kind {
	case KindFilesCSVBaseline, KindFilesCSVApply, KindFilesCSVScript:
		return "csv"
	case KindFilesParquetBaseline, KindFilesParquetApply, KindFilesParquetScript:
		return "parquet"
	}
	return ""
}

// filesSource is the files source reading the prepared input of a format.
func filesSource(input, format string, pos spec.Source) spec.Source {
	return spec.Source{Kind: "files", Config: &stages.FilesConfig{Dir: filepath.Join(input, format), Format: format}, Pos: pos.Pos}
}

// bigQueryTimestamp is how BigQuery's console exports a TIMESTAMP to CSV.
const bigQueryTimestamp = "%Y-%m-%d %H:%M:%S.%f UTC"

// prepareFiles writes every table of the plan (the generator's, at the job's scale)
// under j.Input as csv/<table>.csv, in the shape of a BigQuery console export
// (timestamps as 2024-06-23 23:41:55.000000 UTC, an empty field for NULL, every
// other value as DuckDB's CSV COPY writes it), and as parquet/<table>.parquet. The
// tables are staged in a DuckDB file under j.Dir first. Rows counts the rows written.
func prepareFiles(ctx context.Context, j Job, plan *spec.Plan) (r Result, err error) {
	for _, f := range []string{"csv", "parquet"} {
		if err := os.MkdirAll(filepath.Join(j.Input, f), 0o755); err != nil {
			return Result{}, err
		}
	}
	wh, err := warehouse.Open(ctx, filepath.Join(j.Dir, "prepare.duckdb"), warehouse.Options{MemoryLimit: plan.Spec.Warehouse.MemoryLimit})
	if err != nil {
		return Result{}, err
	}
	defer wh.Close()
	clock := startClock() // for the progress line: not a measurement
	defer func() { r.Seconds, r.CPUSeconds = clock() }()
	for _, t := range plan.Tables {
		rel := sqlq.Ident(t.Name)
		n, err := load(ctx, wh, plan, t.Name, rel)
		if err != nil {
			return r, fmt.Errorf("%s: %w", t.Name, err)
		}
		cols := make([]string, len(t.Model.Columns))
		for i, c := range t.Model.Columns {
			cols[i] = sqlq.Ident(c.Name)
			if c.Type.DuckDB() == "TIMESTAMPTZ" {
				cols[i] = fmt.Sprintf("strftime(%s AT TIME ZONE 'UTC', %s) AS %s", cols[i], sqlq.String(bigQueryTimestamp), cols[i])
			}
		}
		csvPath := filepath.Join(j.Input, "csv", t.Name+".csv")
		parquetPath := filepath.Join(j.Input, "parquet", t.Name+".parquet")
		for _, q := range []string{
			fmt.Sprintf("COPY (SELECT %s FROM %s) TO %s (FORMAT csv, HEADER)", strings.Join(cols, ", "), rel, sqlq.String(csvPath)),
			fmt.Sprintf("COPY %s TO %s (FORMAT parquet)", rel, sqlq.String(parquetPath)),
			"DROP TABLE " + rel,
		} {
			if err := wh.Exec(ctx, q); err != nil {
				return r, fmt.Errorf("%s: %w", t.Name, err)
			}
		}
		r.Rows += n
	}
	return r, nil
}

// filesBaseline is bare DuckDB doing what apply with the files source does: each
// table read with read_csv(path, header=true) (the types DuckDB detects) or
// read_parquet into a DuckDB file with one CREATE TABLE AS, then one COPY per table
// and sink with the sinks' own options. No dialect, typed conversion, count of the
// file's records, validation, staging, swap, digest or manifest. Its statements run
// in the generator baseline's shape (see baseline).
func filesBaseline(ctx context.Context, j Job, plan *spec.Plan) (Result, error) {
	return runBaseline(ctx, j.Dir, plan, filesLoader(j))
}

// filesScript is the baseline issue 14 measures against: filesBaseline's
// statements as a script runs them, table after table, one at a time (DuckDB
// parallelises inside each). filesBaseline, which runs them in apply's shape, is
// the stricter yardstick.
func filesScript(ctx context.Context, j Job, plan *spec.Plan) (r Result, err error) {
	wh, err := warehouse.Open(ctx, filepath.Join(j.Dir, "script.duckdb"), warehouse.Options{MemoryLimit: plan.Spec.Warehouse.MemoryLimit})
	if err != nil {
		return r, err
	}
	defer func() { err = errors.Join(err, wh.Close()) }() // closing checkpoints, as apply's does
	create := filesLoader(j)
	for _, t := range plan.Tables {
		rel := sqlq.Ident(t.Name)
		n, err := create(ctx, wh, t.Name, rel)
		if err != nil {
			return r, fmt.Errorf("%s: %w", t.Name, err)
		}
		r.Rows += n
		for _, k := range plan.Spec.Sinks {
			dest := filepath.Join(j.Dir, k.Name+"-"+t.Name+"."+k.Kind)
			if err := copyTo(ctx, wh, rel, dest, k.Kind); err != nil {
				return r, fmt.Errorf("%s: %w", t.Name, err)
			}
		}
	}
	return r, nil
}

// filesLoader creates a table from its prepared file with the types DuckDB detects.
func filesLoader(j Job) loader {
	format := filesFormat(j.Kind)
	read := func(path string) string {
		if format == "csv" {
			return fmt.Sprintf("read_csv(%s, header = true)", sqlq.String(path))
		}
		return fmt.Sprintf("read_parquet(%s)", sqlq.String(path))
	}
	return func(ctx context.Context, wh *warehouse.Warehouse, table, relation string) (int64, error) {
		path := filepath.Join(j.Input, format, table+"."+format)
		if _, err := os.Stat(path); err != nil {
			return 0, err
		}
		if err := wh.Exec(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT * FROM %s", relation, read(path))); err != nil {
			return 0, err
		}
		return wh.Count(ctx, relation)
	}
}
