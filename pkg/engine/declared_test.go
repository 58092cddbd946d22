package engine_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/internal/enginetest"
	"github.com/ecomrun/ecomrun/pkg/engine"
)

// customersSpec declares a table of the user's own, with a column of every type
// besides GEOGRAPHY, read by the files source from in (path: names the file).
func customersSpec(in, dir, path string) string {
	return fmt.Sprintf(`version: 1
name: own
source: {kind: files, dir: "%s"}
warehouse: {path: "%s/ecom.duckdb"}
tables:
  - name: customers
    path: %s
%s    rules:
      - {check: range, column: lifetime_value, min: 0}
      - {check: pattern, column: email, pattern: '[^@]+@[^@]+'}
sinks:
  - {name: files, kind: csv, path: "%s/csv"}
  - {name: lake, kind: parquet, path: "%s/parquet"}
`, in, dir, path, enginetest.CustomerColumns, dir, dir)
}

// customersCSV has one good row, one of NULLs, and a row per way a value can fail
// to be exactly of its type, a broken rule, a missing key and a repeated key.
const customersCSV = `customer_id,email,signed_up_at,lifetime_value,active,birthday,balance,avatar,last_seen,prefs
1,a@x.com,2024-06-23 23:41:55.000000 UTC,12.5,true,1990-01-02,10.25,aGVsbG8=,2024-01-01 10:00:00,"{""a"":1}"
2,,,,FALSE,,,,,
3,c@x.com,,,maybe,,,,,
4,d@x.com,,,,2020-02-30,,,,
5,e@x.com,,,,,1.1234567891,,,
6,f@x.com,,,,,,!!,,
7,g@x.com,,,,,,,2024-01-01 10:00:00+02,
8,h@x.com,,,,,,,,nope
9,i@x.com,,-1,,,,,,
10,no-at-sign,,,,,,,,
,k@x.com,,,,,,,,
12,l@x.com,2024-04-14 05:27:33 UTC,0.5,false,2000-12-31,-3,,2024-01-01T09:30:00.5,[1]
12,m@x.com,,,,,,,,
`

func TestDeclaredTableLoadsFromCSV(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	writeFile(t, filepath.Join(in, "exports", "customers-2024.csv"), customersCSV)
	rep := apply(t, compile(t, dir, customersSpec(in, dir, "exports/customers-2024.csv")))
	accounting(t, rep.Tables[0], 13, 2, 11)

	db := query(t, filepath.Join(dir, "ecom.duckdb"))
	sameRows(t, "column types", rowsOf(t, db, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'main' AND table_name = 'customers' ORDER BY ordinal_position`), []string{
		"customer_id|BIGINT", "email|VARCHAR", "signed_up_at|TIMESTAMP WITH TIME ZONE", "lifetime_value|DOUBLE",
		"active|BOOLEAN", "birthday|DATE", "balance|DECIMAL(38,9)", "avatar|BLOB", "last_seen|TIMESTAMP", "prefs|JSON",
	})
	sameRows(t, "loaded rows", rowsOf(t, db, `SELECT customer_id, email, epoch_us(signed_up_at), lifetime_value, active, birthday,
		balance::VARCHAR, decode(avatar), last_seen, prefs::VARCHAR FROM main.customers ORDER BY customer_id`), []string{
		"1|a@x.com|1719186115000000|12.5|true|1990-01-02T00:00:00Z|10.250000000|hello|2024-01-01T10:00:00Z|{\"a\":1}",
		"2|∅|∅|∅|false|∅|∅|∅|∅|∅",
	})
	sameRows(t, "quarantine", rowsOf(t, db, `SELECT coalesce(_source_values['customer_id'], customer_id::VARCHAR), _violations::VARCHAR, _source_values::VARCHAR
		FROM quarantine.customers ORDER BY customer_id NULLS FIRST, email`), []string{
		"∅|[customer_id_not_null]|∅",
		"3|[type_active]|{active=maybe}",
		"4|[type_birthday]|{birthday=2020-02-30}",
		"5|[type_balance]|{balance=1.1234567891}",
		"6|[type_avatar]|{avatar=!!}",
		"7|[type_last_seen]|{last_seen='2024-01-01 10:00:00+02'}",
		"8|[type_prefs]|{prefs=nope}",
		"9|[range_lifetime_value]|∅",
		"10|[pattern_email]|∅",
		"12|[customer_id_unique]|∅",
		"12|[customer_id_unique]|∅",
	})
	for _, sink := range []string{"csv/customers.csv", "parquet/customers.parquet"} {
		path := filepath.Join(dir, sink)
		if n := scalar[int64](t, db, "SELECT count(*) FROM '"+path+"'"); n != 2 {
			t.Errorf("%s holds %d rows, want 2", sink, n)
		}
	}
}

// TestDeclaredTableLoadsFromParquet: typed Parquet columns arrive as they are when
// their type is the model's, and convert only when exact (DOUBLE 1.5 is no INT64).
func TestDeclaredTableLoadsFromParquet(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	file := filepath.Join(in, "customers.parquet")
	writeFile(t, file, "")
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`COPY (SELECT * FROM (VALUES
		(1.0::DOUBLE, 'a@x.com', TIMESTAMPTZ '2024-06-23 23:41:55+00', 12.5::DOUBLE, true, DATE '1990-01-02', 10.25::DECIMAL(10,2), 'hello'::BLOB, TIMESTAMP '2024-01-01 10:00:00', '{"a":1}'),
		(1.5::DOUBLE, 'b@x.com', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '[1,2]'),
		(3.0::DOUBLE, 'c@x.com', NULL, -2.0, NULL, NULL, NULL, NULL, NULL, 'not json'))
		AS v(customer_id, email, signed_up_at, lifetime_value, active, birthday, balance, avatar, last_seen, prefs))
		TO '` + file + `' (FORMAT parquet)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	rep := apply(t, compile(t, dir, customersSpec(in, dir, "customers.parquet")))
	accounting(t, rep.Tables[0], 3, 1, 2)
	wh := query(t, filepath.Join(dir, "ecom.duckdb"))
	sameRows(t, "loaded rows", rowsOf(t, wh, `SELECT customer_id, email, lifetime_value, active, birthday, balance::VARCHAR, decode(avatar), last_seen, prefs::VARCHAR FROM main.customers`), []string{
		"1|a@x.com|12.5|true|1990-01-02T00:00:00Z|10.250000000|hello|2024-01-01T10:00:00Z|{\"a\":1}",
	})
	sameRows(t, "quarantine", rowsOf(t, wh, `SELECT email, _violations::VARCHAR FROM quarantine.customers ORDER BY email`), []string{
		"b@x.com|[type_customer_id, customer_id_not_null]",
		"c@x.com|[type_prefs, range_lifetime_value]",
	})
}

// A file's column is found by its name in any case, as DuckDB and BigQuery read
// names: ID in the header is the model's id, in CSV and in Parquet. Two columns
// that differ only in case fail the table, naming both.
func TestFileColumnsMatchWithoutRegardToCase(t *testing.T) {
	const spec = `version: 1
name: caps
source: {kind: files, dir: "%s", format: %s}
warehouse: {path: "%s/ecom.duckdb"}
tables:
  - name: caps
    columns: [{name: id, type: INT64}, {name: v, type: STRING}]
`
	for _, format := range []string{"csv", "parquet"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in")
			file := filepath.Join(in, "caps."+format)
			writeFile(t, file, "ID,V\n1,a\n")
			if format == "parquet" {
				writeParquet(t, file, `SELECT 1::BIGINT AS "ID", 'a' AS "V"`)
			}
			rep := apply(t, compile(t, dir, fmt.Sprintf(spec, in, format, dir)))
			accounting(t, rep.Tables[0], 1, 1, 0)
			db := query(t, filepath.Join(dir, "ecom.duckdb"))
			sameRows(t, "loaded rows", rowsOf(t, db, "SELECT id, v FROM main.caps"), []string{"1|a"})
		})
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	writeFile(t, filepath.Join(in, "caps.csv"), "id,ID,v\n1,2,a\n")
	plan := compile(t, dir, fmt.Sprintf(spec, in, "csv", dir))
	_, err := engine.Apply(context.Background(), plan, engine.Options{})
	if err == nil || !strings.Contains(err.Error(), `has two columns named "ID" (columns 1 and 2`) {
		t.Fatalf("a header with id and ID: %v", err)
	}
}

// writeParquet writes the rows of a DuckDB query as a Parquet file, its folder
// created when missing.
func writeParquet(t *testing.T, path, query string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("COPY (" + query + ") TO '" + path + "' (FORMAT parquet)"); err != nil {
		t.Fatal(err)
	}
}
