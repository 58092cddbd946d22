package engine_test

import (
	"fmt"
	"path/filepath"
	"testing"
)

// TestModelFileTableLoadsFromCSV: a table whose model comes from a model file
// (models: beside the spec) loads with the file's columns and rules as built-in
// rules, the spec's rules on top, one disabled, and quarantine at work.
func TestModelFileTableLoadsFromCSV(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	writeFile(t, filepath.Join(dir, "models", "crm.yaml"), `- name: customers
  key: customer_id
  columns:
    - {name: customer_id, type: INT64, required: true}
    - {name: email, type: STRING}
    - {name: lifetime_value, type: FLOAT64}
  rules:
    - {check: range, column: lifetime_value, min: 0}
    - {check: pattern, column: email, pattern: '[^@]+@[^@]+'}
`)
	writeFile(t, filepath.Join(in, "customers.csv"), `customer_id,email,lifetime_value
1,a@x.com,12.5
2,,1
3,no-at-sign,1
4,d@x.com,-1
,e@x.com,1
6,f@x.com,many
7,g@x.com,2
7,h@x.com,3
`)
	rep := apply(t, compile(t, dir, fmt.Sprintf(`version: 1
name: shared
source: {kind: files, dir: "%s"}
warehouse: {path: "%s/ecom.duckdb"}
models: [models/*.yaml]
tables:
  - name: customers
    disable: [pattern_email]
    rules:
      - {check: not_null, column: email}
`, in, dir)))
	accounting(t, rep.Tables[0], 8, 2, 6)

	db := query(t, filepath.Join(dir, "ecom.duckdb"))
	sameRows(t, "column types", rowsOf(t, db, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'main' AND table_name = 'customers' ORDER BY ordinal_position`), []string{
		"customer_id|BIGINT", "email|VARCHAR", "lifetime_value|DOUBLE",
	})
	sameRows(t, "loaded rows", rowsOf(t, db, `SELECT customer_id, email, lifetime_value FROM main.customers ORDER BY customer_id`), []string{
		"1|a@x.com|12.5",
		"3|no-at-sign|1",
	})
	sameRows(t, "quarantine", rowsOf(t, db, `SELECT coalesce(_source_values['customer_id'], customer_id::VARCHAR), _violations::VARCHAR
		FROM quarantine.customers ORDER BY customer_id NULLS FIRST, email`), []string{
		"∅|[customer_id_not_null]",
		"2|[not_null_email]",
		"4|[range_lifetime_value]",
		"6|[type_lifetime_value]",
		"7|[customer_id_unique]",
		"7|[customer_id_unique]",
	})
}
