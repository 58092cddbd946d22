package spec

import (
	"slices"
	"strings"
	"testing"
)

// TestDeclaredTables: a table declares its columns for any source but the
// generator; each mistake in a declaration is refused at its place.
func TestDeclaredTables(t *testing.T) {
	const files = "version: 1\nsource: {kind: files, dir: in}\nwarehouse: {path: w.duckdb}\ntables:\n"
	for _, tc := range []struct {
		name, head, body string
		want             []string // LINE:COL: message
	}{
		{"a declared table", files, `
  - name: customers
    key: id
    path: exports/c.csv
    columns:
      - {name: id, type: INT64, required: true}
      - {name: paid, type: NUMERIC}
    rules:
      - {check: range, column: paid, min: 0}
      - {check: relationship, column: id, to: orders.user_id}
  - name: orders`, nil},
		{"unknown table without columns", files, `
  - name: customers`, []string{`6:11: unknown table "customers"`}},
		{"unknown type", files, `
  - name: c
    columns: [{name: id, type: INTEGER}]`, []string{`7:32: type: "INTEGER" is not one of INT64, FLOAT64, NUMERIC, BOOL, STRING, BYTES, DATE, DATETIME, TIMESTAMP, GEOGRAPHY, JSON`}},
		{"duplicate column", files, `
  - name: c
    columns: [{name: id, type: INT64}, {name: id, type: STRING}]`, []string{`7:47: duplicate column "id" in table c`}},
		{"a reserved column name", files, `
  - name: c
    columns: [{name: id, type: INT64}, {name: _run_id, type: STRING}, {name: _source_line, type: INT64}, {name: _id, type: STRING}]`,
			[]string{`7:47: column name "_run_id" is reserved`, `7:78: column name "_source_line" is reserved`}},
		{"a path climbing out of dir", files, `
  - name: c
    path: ../../etc/passwd
    columns: [{name: x, type: STRING}]`, []string{`7:11: path "../../etc/passwd" leaves the source's dir through ".."`}},
		{"key not a column", files, `
  - name: c
    key: idd
    columns: [{name: id, type: INT64}]`, []string{`7:10: key "idd" is not a declared column of table c (did you mean "id"?)`}},
		{"key on a built-in model", files, `
  - name: orders
    key: user_id`, []string{`7:10: key applies to a table that declares its columns`}},
		{"rule on an undeclared column", files, `
  - name: c
    columns: [{name: id, type: INT64}]
    rules: [{check: not_null, column: idd}]`, []string{`8:39: unknown column "idd" in table c (did you mean "id"?)`}},
		{"the generator makes no declared table", "version: 1\nsource: {kind: thelook}\nwarehouse: {path: w.duckdb}\ntables:\n", `
  - name: c
    columns: [{name: id, type: INT64}]`, []string{`7:14: the thelook generator makes only its seven tables with their built-in models, not declared columns`}},
		{"path on a bigquery source", "version: 1\nsource: {kind: bigquery, project: p}\nwarehouse: {path: w.duckdb}\ntables:\n", `
  - name: c
    path: c.csv
    columns: [{name: id, type: INT64}]`, []string{`7:11: path applies only to a files source, not bigquery`}},
		{"incremental without a key", files, `
  - name: c
    mode: incremental
    cursor: id
    columns: [{name: id, type: INT64}]`, []string{`6:5: table c has no key to merge on: set primary_key, or key on the table`}},
		{"validate in bigquery reads some types as text", "version: 1\nsource: {kind: bigquery, project: p, validate: bigquery}\nwarehouse: {path: w.duckdb}\ntables:\n", `
  - name: c
    columns: [{name: id, type: INT64}, {name: paid, type: NUMERIC}]`, []string{`7:59: validate: bigquery cannot check a NUMERIC column: it is read as text`}},
		{"table on a files source", files, `
  - name: c
    table: other
    columns: [{name: id, type: INT64}]`, []string{`7:12: table applies only to a bigquery source, not files`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, diags := Load("t.yaml", []byte(tc.head+tc.body+"\n"), noEnv)
			got := short(diags)
			for i := range got { // the message up to its detail
				got[i], _, _ = strings.Cut(got[i], " (declare")
				got[i], _, _ = strings.Cut(got[i], " (thelook's")
				got[i], _, _ = strings.Cut(got[i], " (the columns")
				got[i], _, _ = strings.Cut(got[i], " (read a declared")
				got[i], _, _ = strings.Cut(got[i], " (validate: local")
				got[i], _, _ = strings.Cut(got[i], " (ecomrun adds")
				got[i], _, _ = strings.Cut(got[i], " (write an absolute")
			}
			if !slices.Equal(got, tc.want) && (len(got) > 0 || len(tc.want) > 0) {
				t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			if tc.want == nil && s == nil {
				t.Fatal("no spec without errors")
			}
		})
	}
}
