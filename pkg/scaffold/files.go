package scaffold

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" driver

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/exact"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// FromFiles reads every *.csv and *.parquet file of dir (not its subfolders) with
// DuckDB: one table per file, named after the file.
func FromFiles(ctx context.Context, dir string) (*Source, error) {
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("folder %s does not exist", dir)
		}
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.Type().IsRegular() && (ext == ".csv" || ext == ".parquet") {
			files = append(files, e.Name())
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .csv or .parquet files in %s", dir)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	src := &Source{
		From:  "files:" + dir,
		Name:  pipelineName(dir),
		Block: []string{"kind: files", "dir: " + Quote(dir)},
	}
	taken := map[string]bool{}
	for _, f := range files {
		ext := filepath.Ext(f)
		name := strings.TrimSuffix(f, ext)
		if !IsIdent(name) {
			name = ident(name)
		}
		for base, n := name, 2; taken[name]; n++ {
			name = fmt.Sprintf("%s_%d", base, n)
		}
		parquet := strings.ToLower(ext) == ".parquet"
		if !parquet {
			if dup := repeatedHeader(filepath.Join(dir, f)); dup != "" {
				src.Skipped = append(src.Skipped, fmt.Sprintf("%s: its header names column %s twice (in any case); rename one in the file", f, dup))
				continue
			}
		}
		t, err := readFile(ctx, db, filepath.Join(dir, f), name, parquet)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if t == nil {
			continue
		}
		if bad := badColumns(t.Columns); bad != "" {
			src.Skipped = append(src.Skipped, fmt.Sprintf("%s: column %s is not a lower-case name (letters, digits, _); rename it in the file", f, bad))
			continue
		}
		taken[name] = true
		t.From = f
		if f != name+".csv" {
			t.Path = f
		}
		src.Tables = append(src.Tables, *t)
	}
	if len(src.Tables) == 0 {
		return nil, fmt.Errorf("no file in %s can be a table: %s", dir, strings.Join(src.Skipped, "; "))
	}
	return src, nil
}

// repeatedHeader is a column name a CSV file's header repeats (compared without
// regard to case, as the files source reads names), or "". DuckDB's sniffer would
// rename the second (id_1), a column the files source never finds.
func repeatedHeader(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "" // readFile reports it
	}
	defer f.Close()
	r := bufio.NewReader(f)
	if b, err := r.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		_, _ = r.Discard(3)
	}
	line, _ := r.ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	var names []string
	for _, delim := range []string{",", ";", "\t", "|"} { // the files source's candidates
		if cols := strings.Split(line, delim); len(cols) > len(names) {
			names = cols
		}
	}
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.ToLower(strings.Trim(strings.TrimSpace(n), `"`))
		if seen[n] {
			return fmt.Sprintf("%q", n)
		}
		seen[n] = true
	}
	return ""
}

func badColumns(cols []catalog.Column) string {
	for _, c := range cols {
		if !IsIdent(c.Name) {
			return fmt.Sprintf("%q", c.Name)
		}
	}
	return ""
}

// readFile describes one file's columns as DuckDB reads them, maps each to a
// BigQuery type the files source converts every value of, and looks for a key.
func readFile(ctx context.Context, db *sql.DB, path, name string, parquet bool) (*Table, error) {
	reader := fmt.Sprintf("read_csv(%s, header = true)", sqlq.String(path))
	text := fmt.Sprintf("read_csv(%s, header = true, all_varchar = true)", sqlq.String(path))
	if parquet {
		reader = fmt.Sprintf("read_parquet(%s)", sqlq.String(path))
		text = ""
	}
	rows, err := db.QueryContext(ctx, "DESCRIBE SELECT * FROM "+reader)
	if err != nil {
		return nil, err
	}
	var names, duck []string
	for rows.Next() {
		vals := make([]any, 6)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, fmt.Sprint(vals[0]))
		duck = append(duck, fmt.Sprint(vals[1]))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	t := &Table{Name: name}
	if recognise(name, names) {
		t.Thelook = true
		return t, nil
	}
	types, err := columnTypes(ctx, db, reader, text, names, duck)
	if err != nil {
		return nil, err
	}
	for i, n := range names {
		t.Columns = append(t.Columns, catalog.Column{Name: n, Type: types[i]})
	}
	t.Key, t.KeyNote, err = findKey(ctx, db, reader, name, names)
	return t, err
}

// columnTypes maps DuckDB's types to BigQuery's. A CSV's types are DuckDB's
// sniffer's, which is more lenient than the files source: each is checked against
// the file's text with the source's own patterns and falls back to STRING when a
// value would not convert; text that is all BigQuery's '... UTC' timestamps (which
// DuckDB takes for a TIMESTAMP without zone) is a TIMESTAMP.
func columnTypes(ctx context.Context, db *sql.DB, reader, text string, names, duck []string) ([]catalog.Type, error) {
	types := make([]catalog.Type, len(names))
	var checks []string
	type check struct {
		col  int
		then []catalog.Type // the first whose test holds; else STRING
	}
	var pending []check
	for i, d := range duck {
		types[i] = exact.FromDuckDB(d)
		if text == "" { // Parquet: the column's own type
			if types[i] == catalog.String && strings.EqualFold(d, "VARCHAR") {
				pending = append(pending, check{i, []catalog.Type{catalog.Timestamp}})
			}
			continue
		}
		switch types[i] {
		case catalog.Int64:
			pending = append(pending, check{i, []catalog.Type{catalog.Int64, catalog.Float64}})
		case catalog.Float64: // DuckDB reads whole numbers past INT64 as DOUBLE, which rounds them
			pending = append(pending, check{i, []catalog.Type{wholeNumeric, wholeText, catalog.Float64}})
		case catalog.Bool, catalog.Date, catalog.Numeric:
			pending = append(pending, check{i, []catalog.Type{types[i]}})
		case catalog.Datetime, catalog.Timestamp:
			pending = append(pending, check{i, []catalog.Type{catalog.Datetime, catalog.Timestamp}})
		case catalog.String:
			pending = append(pending, check{i, []catalog.Type{catalog.Timestamp}})
		}
	}
	if len(pending) == 0 {
		return types, nil
	}
	from := text
	if from == "" {
		from = reader
	}
	for _, p := range pending {
		q := sqlq.Ident(names[p.col])
		if text == "" {
			q = "CAST(" + q + " AS VARCHAR)"
		}
		for _, t := range p.then {
			checks = append(checks, fmt.Sprintf("coalesce(bool_and(%s) FILTER (WHERE %s IS NOT NULL), false)", textIs(q, t), q))
		}
	}
	row := db.QueryRowContext(ctx, fmt.Sprintf("SELECT %s FROM %s", strings.Join(checks, ", "), from))
	got := make([]bool, len(checks))
	ptrs := make([]any, len(got))
	for i := range got {
		ptrs[i] = &got[i]
	}
	if err := row.Scan(ptrs...); err != nil {
		return nil, err
	}
	k := 0
	for _, p := range pending {
		chosen := catalog.String
		for _, t := range p.then {
			if got[k] && chosen == catalog.String {
				chosen = t
			}
			k++
		}
		switch chosen {
		case wholeNumeric:
			chosen = catalog.Numeric
		case wholeText:
			chosen = catalog.String
		}
		types[p.col] = chosen
	}
	return types, nil
}

// The type guess's names for a column of whole numbers too large for INT64: NUMERIC
// when every one fits it (29 digits), else STRING; never FLOAT64, which rounds them.
const (
	wholeNumeric catalog.Type = "whole NUMERIC"
	wholeText    catalog.Type = "whole STRING"
	wholePattern              = `\s*[+-]?[0-9]+\s*`
)

// zonedPattern is a timestamp text with its zone (an offset, Z or BigQuery's UTC):
// a column of them is TIMESTAMP; without a zone it is DATETIME.
const zonedPattern = `\s*[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?\s*(Z|[+-][0-9]{2}(:?[0-9]{2})?)\s*`

// textIs is a condition true when text q converts to t exactly, as the files
// source converts it (pkg/exact).
func textIs(q string, t catalog.Type) string {
	whole := fmt.Sprintf("regexp_full_match(%s, '%s')", q, wholePattern)
	switch t {
	case wholeText:
		return whole
	case wholeNumeric:
		return fmt.Sprintf("%s AND (%s) IS NOT NULL", whole, exact.FromText(q, catalog.Numeric))
	}
	is := fmt.Sprintf("(%s) IS NOT NULL", exact.FromText(q, t))
	if t == catalog.Timestamp {
		return fmt.Sprintf("(regexp_full_match(%s, '%s') OR regexp_full_match(%s, '%s')) AND %s", q, exact.BigQueryUTC, q, zonedPattern, is)
	}
	return is
}

// findKey proposes the first of id, <table>_id, <singular>_id that the file has
// and that is unique and never NULL in it.
func findKey(ctx context.Context, db *sql.DB, reader, table string, names []string) (key, note string, err error) {
	tried := []string{}
	for _, c := range keyCandidates(table) {
		if !slices.Contains(names, c) || slices.Contains(tried, c) {
			continue
		}
		tried = append(tried, c)
		q := sqlq.Ident(c)
		var rows, nonNull, distinct int64
		err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*), count(%s), count(DISTINCT %s) FROM %s", q, q, reader)).
			Scan(&rows, &nonNull, &distinct)
		if err != nil {
			return "", "", err
		}
		if rows == nonNull && rows == distinct {
			return c, fmt.Sprintf("unique and never empty in the %d rows read", rows), nil
		}
	}
	if len(tried) == 0 {
		return "", fmt.Sprintf("no column named %s", strings.Join(keyCandidates(table), ", ")), nil
	}
	return "", fmt.Sprintf("%s has repeated or empty values", strings.Join(tried, ", ")), nil
}
