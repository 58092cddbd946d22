package stages

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/dag"
	"github.com/ecomrun/ecomrun/pkg/exact"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlexpr"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// filesSource reads one <table>.csv or <table>.parquet per table from a folder, in
// one typed pass: every value is converted exactly to its model type as it is read
// (files_convert.go), and what does not convert is set aside row by row with its
// original text, so the staged table is typed and validation runs as on the
// generator's rows. A CSV record that cannot be parsed at all is staged as a row of
// NULLs and set aside as malformed_record with its file, line and raw text. Every
// record is counted independently of DuckDB's reader, and the staged rows must
// match that count.
type filesSource struct{ src *FilesConfig }

var (
	_ Source    = (*filesSource)(nil)
	_ Describer = (*filesSource)(nil)
	_ Sizer     = (*filesSource)(nil)
)

// Size is the bytes of the table's file (0 when it is missing: extract says so).
func (s *filesSource) Size(t *spec.TablePlan) int64 {
	path, _ := s.src.PathOf(t)
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// filesState is what the files source hands validate and load about a table.
type filesState struct {
	// file is the table's source file, named in quarantine._source_file.
	file string
}

// malformedRule is the reason of a record that could not be parsed.
const malformedRule = "malformed_record"

// rawTextCap caps the raw text of a malformed record kept in quarantine.
const rawTextCap = 4096

func (s *filesSource) Extract(ctx context.Context, run *Run, t *spec.TablePlan, relation string) (bool, error) {
	path, format := s.src.PathOf(t)
	if _, err := os.Stat(path); err != nil {
		if t.Path != "" {
			return false, fmt.Errorf("source file for table %s: %w (the table's path)", t.Name, err)
		}
		return false, fmt.Errorf("source file for table %s: %w (the files source wants one %s.%s per table in %s, or a path: on the table)", t.Name, err, t.Name, format, s.src.Dir)
	}
	conn, err := run.Warehouse.DB.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	x := &filesExtract{run: run, t: t, conn: conn, path: path, staged: relation, aside: asideRelation(t.Name),
		filtered: t.Where != "" || t.Limit > 0 || run.Bound(t.Name) != nil}
	if format == "parquet" {
		err = x.parquet(ctx)
	} else {
		err = x.csv(ctx, s.src.CSVOf(t), s.src.OnMalformedOf(t))
	}
	if err != nil {
		return false, err
	}
	run.tables[t.Name].files = &filesState{file: path}
	return false, nil
}

// filesExtract is one table's read.
type filesExtract struct {
	run      *Run
	t        *spec.TablePlan
	conn     *sql.Conn
	path     string
	staged   string
	aside    string
	filtered bool
}

func (x *filesExtract) exec(ctx context.Context, stmts ...string) error {
	for _, q := range stmts {
		if _, err := x.conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func (x *filesExtract) count(ctx context.Context, q string) (int64, error) {
	var n int64
	err := x.conn.QueryRowContext(ctx, q).Scan(&n)
	return n, err
}

func (x *filesExtract) csv(ctx context.Context, c spec.CSV, onMalformed string) error {
	model := x.t.Model.ColumnNames()
	d, err := readCSVDialect(x.path, c, model)
	if err != nil {
		return fmt.Errorf("read %s: %w", x.path, err)
	}
	// The independent count runs beside DuckDB's read.
	type counted struct {
		n   int64
		err error
	}
	done := make(chan counted, 1)
	go func(d csvDialect) { // its own copy: d is adjusted below while it counts
		var n int64
		err := dag.Safely(func() (err error) { n, err = countRecords(x.path, d); return err })
		done <- counted{n, err}
	}(d)
	if len(d.columns) == 0 { // an empty file: no header, no records
		d.columns = model
	}
	drift, err := x.contract(d.columns, func(string) SourceColumn { return SourceColumn{As: catalog.String} })
	if err != nil {
		<-done
		return err
	}
	rejects, scan := "_ecomrun_csv_rejects_"+x.t.Name, "_ecomrun_csv_scan_"+x.t.Name
	from := d.reader(x.path, rejects, scan)
	q, err := x.convert(from, func(col catalog.Column) string {
		if drift.Missing[col.Name] {
			return ""
		}
		return "VARCHAR"
	}, "")
	if err != nil {
		<-done
		return err
	}
	err = x.exec(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s AS %s", x.staged, q))
	if err == nil {
		err = x.exec(ctx, harvestStatements(x.staged, x.aside, "NULL")...)
	}
	if err == nil && x.t.Contract.TypeChanges == catalog.Fail {
		err = x.noCasts(ctx)
	}
	if err == nil {
		err = x.malformed(ctx, rejects, onMalformed, d)
	}
	_ = x.exec(ctx, "DROP TABLE IF EXISTS temp."+sqlq.Ident(rejects), "DROP TABLE IF EXISTS temp."+sqlq.Ident(scan))
	got := <-done
	if err != nil {
		return err
	}
	if got.err != nil {
		return fmt.Errorf("count the records of %s: %w", x.path, got.err)
	}
	return x.accounted(ctx, got.n)
}

// distinctColumns refuses a file with two columns whose names differ only in case:
// a column is found by its name in any case (ID is id, as DuckDB and BigQuery read
// names), so the two could not be told apart.
func distinctColumns(path string, columns []string) error {
	seen := map[string]int{}
	for i, c := range columns {
		l := strings.ToLower(c)
		if first, dup := seen[l]; dup {
			return fmt.Errorf("%s has two columns named %q (columns %d and %d; names are compared without regard to case): rename one", path, c, first+1, i+1)
		}
		seen[l] = i
	}
	return nil
}

// contract checks the file's columns (names as the file has them; source gives
// each one's type) against the table's contract before any row is read, and makes
// the table's model the one the read loads (evolved columns included).
func (x *filesExtract) contract(names []string, source func(name string) SourceColumn) (*Drift, error) {
	if err := distinctColumns(x.path, names); err != nil {
		return nil, err
	}
	cols := make([]SourceColumn, len(names))
	for i, n := range names {
		cols[i] = source(n)
		cols[i].Name = n
	}
	return x.run.ApplyContract(x.t, x.path, cols)
}

// noCasts fails the table on a value that did not convert to its column's type,
// under contract type_changes: fail, where it would be set aside as type_<column>.
func (x *filesExtract) noCasts(ctx context.Context) error {
	var n int64
	var first sql.NullString
	err := x.conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*), min_by(map_keys(_source_values)[1] || ' = ' || map_values(_source_values)[1], _row)
		FROM %s WHERE NOT _malformed`, x.aside)).Scan(&n, &first)
	if err != nil || n == 0 {
		return err
	}
	return fmt.Errorf("%s: %d rows hold a value that is not of its column's type (first: %s), and table %s's contract says type_changes: fail",
		x.path, n, first.String, x.t.Name)
}

// accounted checks the staged rows against the independent count of the file's records.
func (x *filesExtract) accounted(ctx context.Context, records int64) error {
	if x.filtered {
		return nil // where, limit or an incremental bound chose fewer rows on purpose
	}
	n, err := x.count(ctx, "SELECT count(*) FROM "+x.staged)
	if err != nil {
		return err
	}
	if n != records {
		return fmt.Errorf("%s holds %d records but %d were read: the difference is unaccounted for, nothing was loaded", x.path, records, n)
	}
	return nil
}

// convert is the staging query: each model column converted exactly from the file's
// column (ConvertQuery), and the spec's filter, which never drops a row with a
// set-aside value. A filter that cannot be written in DuckDB's SQL is an error,
// never dropped.
func (x *filesExtract) convert(from string, srcType func(catalog.Column) string, rowExpr string) (string, error) {
	q := ConvertQuery(x.t.Model, from, srcType, rowExpr)
	var where []string
	w, err := x.t.WhereSQL(sqlexpr.DuckDB)
	if err != nil {
		// Reading every row instead would load what the where: keeps out.
		return "", err
	}
	if w != "" {
		where = append(where, "("+w+")")
	}
	if b := x.run.Bound(x.t.Name); b != nil {
		where = append(where, b.Condition(sqlq.Ident(b.Column)))
	}
	if len(where) > 0 {
		q = fmt.Sprintf("SELECT * FROM (%s) WHERE _ecomrun_aside IS NOT NULL OR (%s)", q, strings.Join(where, " AND "))
	}
	if x.t.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", x.t.Limit)
	}
	return q, nil
}

// malformed stages each record DuckDB's reader could not parse as a row of NULLs
// (so it counts in and out) and sets it aside as malformed_record; with
// on_malformed: fail, the first one fails the table instead.
func (x *filesExtract) malformed(ctx context.Context, rejects, onMalformed string, d csvDialect) error {
	m, err := x.count(ctx, "SELECT count(DISTINCT line) FROM temp."+sqlq.Ident(rejects))
	if err != nil || m == 0 {
		return err
	}
	lines, err := x.physicalLines(ctx, rejects, d)
	if err != nil {
		return err
	}
	grouped := fmt.Sprintf(`SELECT coalesce(p.physical, r.line) AS line, string_agg(DISTINCT error_type, ', ') AS kind, first(error_message) AS message,
		left(ltrim(first(csv_line), chr(13) || chr(10)), %d) AS raw FROM temp.%s r LEFT JOIN temp.%s p ON p.line = r.line GROUP BY 1`,
		rawTextCap, sqlq.Ident(rejects), sqlq.Ident(lines))
	defer func() { _ = x.exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS temp."+sqlq.Ident(lines)) }()
	if onMalformed == spec.OnMalformedFail {
		var line int64
		var kind, msg string
		if err := x.conn.QueryRowContext(ctx, grouped+" ORDER BY line LIMIT 1").Scan(&line, &kind, &msg, new(sql.NullString)); err != nil {
			return err
		}
		return fmt.Errorf("%s:%d: malformed record (%s: %s); %d malformed in all, and on_malformed is fail", x.path, line, strings.ToLower(kind), msg, m)
	}
	n0, err := x.count(ctx, "SELECT count(*) FROM "+x.staged)
	if err != nil {
		return err
	}
	first := sqlq.Ident(x.t.Model.Columns[0].Name)
	return x.exec(ctx,
		fmt.Sprintf("CREATE OR REPLACE TEMP TABLE _ecomrun_malformed_%s AS SELECT row_number() OVER (ORDER BY line) - 1 AS k, * FROM (%s)", x.t.Name, grouped),
		fmt.Sprintf("INSERT INTO %s (%s) SELECT NULL FROM _ecomrun_malformed_%s ORDER BY k", x.staged, first, x.t.Name),
		fmt.Sprintf(`INSERT INTO %s SELECT %d + k, [%s], TRUE, line, raw, NULL FROM _ecomrun_malformed_%s ORDER BY k`,
			x.aside, n0, sqlq.String(malformedRule), x.t.Name),
		fmt.Sprintf("DROP TABLE _ecomrun_malformed_%s", x.t.Name))
}

// physicalLines is a temp table mapping the rejected rows' DuckDB line numbers to the
// lines of the file they start on (they differ after a quoted field's line breaks).
func (x *filesExtract) physicalLines(ctx context.Context, rejects string, d csvDialect) (string, error) {
	table := "_ecomrun_csv_lines_" + x.t.Name
	rows, err := x.conn.QueryContext(ctx, "SELECT DISTINCT line FROM temp."+sqlq.Ident(rejects))
	if err != nil {
		return "", err
	}
	want := map[int64]bool{}
	for rows.Next() {
		var l int64
		if err := rows.Scan(&l); err != nil {
			rows.Close()
			return "", err
		}
		want[l] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	got, err := sourceLines(x.path, d, want)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", x.path, err)
	}
	if err := x.exec(ctx, "CREATE OR REPLACE TEMP TABLE "+sqlq.Ident(table)+" (line BIGINT, physical BIGINT)"); err != nil {
		return "", err
	}
	var values []string
	flush := func() error {
		if len(values) == 0 {
			return nil
		}
		err := x.exec(ctx, "INSERT INTO temp."+sqlq.Ident(table)+" VALUES "+strings.Join(values, ", "))
		values = values[:0]
		return err
	}
	for l, p := range got {
		values = append(values, fmt.Sprintf("(%d, %d)", l, p))
		if len(values) == 1000 {
			if err := flush(); err != nil {
				return "", err
			}
		}
	}
	return table, flush()
}

// parquet reads a Parquet file: columns arrive typed, and a column whose type is not
// the model's converts only values that convert back to themselves.
func (x *filesExtract) parquet(ctx context.Context) error {
	from := fmt.Sprintf("read_parquet(%s, file_row_number = true)", sqlq.String(x.path))
	types := map[string]string{} // by lower-case name
	var names []string           // as the file has them, in order
	rows, err := x.conn.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+from+")")
	if err != nil {
		return fmt.Errorf("read %s: %w", x.path, err)
	}
	for rows.Next() {
		var c, ty string
		if err := rows.Scan(&c, &ty); err != nil {
			rows.Close()
			return err
		}
		if c == "file_row_number" {
			continue // the reader's own column, asked for above
		}
		names = append(names, c)
		types[strings.ToLower(c)] = ty
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	drift, err := x.contract(names, func(name string) SourceColumn {
		ty := types[strings.ToLower(name)]
		col, ok := x.t.Model.Column(strings.ToLower(name))
		_, lossless := exact.Convert("c", ty, col.Type)
		return SourceColumn{Type: ty, As: exact.FromDuckDB(ty), Changed: ok && !lossless}
	})
	if err != nil {
		return err
	}
	q, err := x.convert(from, func(col catalog.Column) string {
		if drift.Missing[col.Name] {
			return ""
		}
		return types[strings.ToLower(col.Name)]
	}, "file_row_number + 1")
	if err != nil {
		return err
	}
	if err := x.exec(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s AS %s", x.staged, q)); err != nil {
		return err
	}
	if err := x.exec(ctx, harvestStatements(x.staged, x.aside, "_ecomrun_pos")...); err != nil {
		return err
	}
	records, err := x.count(ctx, fmt.Sprintf("SELECT coalesce(sum(num_rows), 0)::BIGINT FROM parquet_file_metadata(%s)", sqlq.String(x.path)))
	if err != nil {
		return err
	}
	return x.accounted(ctx, records)
}

// Describe is how Extract reads the table's file: the reader with its dialect (the
// delimiter as detected from the header when the file is there), then the exact
// conversion to the model's types.
func (s *filesSource) Describe(t *spec.TablePlan) string {
	path, format := s.src.PathOf(t)
	if format == "parquet" {
		return fmt.Sprintf("SELECT %s FROM read_parquet(%s), each value converted exactly to its model type", columnList(t), sqlq.String(path))
	}
	d, err := readCSVDialect(path, s.src.CSVOf(t), t.Model.ColumnNames())
	if errors.Is(err, os.ErrNotExist) || len(d.columns) == 0 {
		d.columns = t.Model.ColumnNames()
		if d.Delimiter == "" {
			d.Delimiter, d.detected = ",", true
		}
	}
	q := fmt.Sprintf("SELECT %s FROM %s", columnList(t), d.reader(path, "", ""))
	if w, err := t.WhereSQL(sqlexpr.DuckDB); err == nil && w != "" {
		q += " WHERE " + w
	}
	if t.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", t.Limit)
	}
	if d.detected {
		q += " -- delimiter detected from the header (, ; tab |)"
	}
	return q
}

func columnList(t *spec.TablePlan) string {
	cols := make([]string, len(t.Model.Columns))
	for i, c := range t.Model.Columns {
		cols[i] = sqlq.Ident(c.Name)
	}
	return strings.Join(cols, ", ")
}
