package engine_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/report"
)

// badInput writes generated users and orders as CSV into dir/in, with one injected
// violation of each rule kind on known rows, and returns that folder and the ids of
// the three users it broke (users without orders, so that no order loses its user).
func badInput(t *testing.T, dir string) (string, [3]string) {
	t.Helper()
	gen := filepath.Join(dir, "gen")
	apply(t, compile(t, gen+"-spec", fmt.Sprintf(`version: 1
name: gen
source: {kind: thelook, scale: 0.005, seed: 3}
warehouse: {path: %s-spec/ecom.duckdb}
tables: [{name: users}, {name: orders}]
sinks: [{name: files, kind: csv, path: %s}]
`, gen, gen)))
	in := filepath.Join(dir, "in")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		fmt.Sprintf(`CREATE TABLE orders AS SELECT * FROM read_csv('%s/orders.csv', all_varchar = true)`, gen),
		`UPDATE orders SET status = 'Lost' WHERE order_id = '1'`,                       // accepted_values (built-in)
		`UPDATE orders SET num_of_item = '9' WHERE order_id = '2'`,                     // range (built-in)
		`UPDATE orders SET user_id = NULL WHERE order_id = '3'`,                        // not_null (built-in)
		`UPDATE orders SET created_at = 'yesterday' WHERE order_id = '4'`,              // type
		`UPDATE orders SET order_id = '6' WHERE order_id = '5'`,                        // unique: two rows with id 6
		`UPDATE orders SET user_id = '999999999' WHERE order_id = '7'`,                 // relationship (enabled)
		`UPDATE orders SET created_at = '2018-06-01 00:00:00+00' WHERE order_id = '8'`, // expression (spec)
		fmt.Sprintf(`COPY orders TO '%s/orders.csv' (HEADER)`, in),
		fmt.Sprintf(`CREATE TABLE users AS SELECT * FROM read_csv('%s/users.csv', all_varchar = true)`, gen),
		`CREATE TABLE victims AS SELECT id, row_number() OVER (ORDER BY id::BIGINT) AS n FROM users
			WHERE age::INT >= 18 AND id NOT IN (SELECT user_id FROM orders WHERE user_id IS NOT NULL) ORDER BY id::BIGINT LIMIT 3`,
		`UPDATE users SET email = 'not-an-email' WHERE id = (SELECT id FROM victims WHERE n = 1)`, // pattern (spec)
		`UPDATE users SET age = 'ten' WHERE id = (SELECT id FROM victims WHERE n = 2)`,            // type
		`UPDATE users SET city = NULL WHERE id = (SELECT id FROM victims WHERE n = 3)`,            // not_null (spec)
		fmt.Sprintf(`COPY users TO '%s/users.csv' (HEADER)`, in),
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var victims [3]string
	for i := range victims {
		if err := db.QueryRow("SELECT id FROM victims WHERE n = ?", i+1).Scan(&victims[i]); err != nil {
			t.Fatal(err)
		}
	}
	return in, victims
}

func badSpec(dir, in, usersPolicy, ordersPolicy string) string {
	return fmt.Sprintf(`version: 1
name: bad
source: {kind: files, dir: %s, format: csv}
warehouse: {path: %s/ecom.duckdb}
tables:
  - name: users
    on_invalid: %s
    rules:
      - {check: pattern, column: email, pattern: "[a-z0-9.]+@[a-z0-9.]+"}
      - {check: not_null, column: city}
      - {name: adult, check: range, column: age, min: 18, severity: warn}
      - {check: row_count, min: 1000000, severity: warn}
  - name: orders
    on_invalid: %s
    enable: [user_id_references]
    rules:
      - {check: expression, name: recent, sql: "created_at >= TIMESTAMPTZ '2019-01-01'"}
sinks: [{name: files, kind: csv, path: %s/csv}]
`, in, dir, usersPolicy, ordersPolicy, dir)
}

// quarantined reads quarantine.<table> as key -> sorted rule names.
func quarantined(t *testing.T, db *sql.DB, table, key string) map[string][]string {
	t.Helper()
	rows, err := db.Query(fmt.Sprintf(`SELECT %s::VARCHAR, _violations::VARCHAR FROM quarantine.%s`, key, table))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string][]string{}
	for rows.Next() {
		var k, list string
		if err := rows.Scan(&k, &list); err != nil {
			t.Fatal(err)
		}
		names := strings.Split(strings.Trim(list, "[]"), ", ")
		names = append(got[k], names...)
		slices.Sort(names)
		got[k] = slices.Compact(names)
	}
	return got
}

func violationRows(tr *report.Table, rule string) int64 {
	for _, v := range tr.Violations {
		if v.Rule == rule {
			return v.Rows
		}
	}
	return -1
}

func TestInjectedViolationsAreQuarantinedExactly(t *testing.T) {
	dir := t.TempDir()
	in, victims := badInput(t, dir)
	rep := apply(t, compile(t, dir, badSpec(dir, in, "quarantine", "quarantine")))
	db := query(t, filepath.Join(dir, "ecom.duckdb"))

	wantOrders := map[string][]string{
		"1": {"status_accepted"},
		"2": {"num_of_item_range"},
		"3": {"user_id_not_null"},
		"4": {"created_at_not_null", "type_created_at"}, // a value that does not parse is also no value
		"6": {"order_id_unique"},
		"7": {"user_id_references"},
		"8": {"recent"},
	}
	wantUsers := map[string][]string{
		victims[0]: {"email_format", "pattern_email"}, // the built-in email_format sees the broken email too
		victims[1]: {"type_age"},
		victims[2]: {"not_null_city"},
	}
	for table, want := range map[string]map[string][]string{"orders": wantOrders, "users": wantUsers} {
		key := map[string]string{"orders": "order_id", "users": "id"}[table]
		got := quarantined(t, db, table, key)
		if len(got) != len(want) {
			t.Errorf("quarantine.%s holds keys %v, want %v", table, got, want)
		}
		for k, names := range want {
			if !slices.Equal(got[k], names) {
				t.Errorf("quarantine.%s %s=%s broke %v, want %v", table, key, k, got[k], names)
			}
		}
	}
	if n := scalar[int](t, db, "SELECT count(*) FROM quarantine.orders WHERE order_id = '6'"); n != 2 {
		t.Errorf("both rows with the duplicate order_id 6 should be quarantined, got %d", n)
	}
	if n := scalar[int](t, db, "SELECT count(DISTINCT _run_id) FROM quarantine.orders WHERE _run_id = ?", rep.RunID); n != 1 {
		t.Error("quarantined rows do not carry the run id")
	}

	for _, tr := range rep.Tables {
		if tr.RowsIn != tr.RowsLoaded+tr.RowsQuarantined+tr.RowsDropped {
			t.Errorf("%s: %d in != %d + %d + %d", tr.Name, tr.RowsIn, tr.RowsLoaded, tr.RowsQuarantined, tr.RowsDropped)
		}
		if got := scalar[int64](t, db, "SELECT count(*) FROM main."+tr.Name); got != tr.RowsLoaded {
			t.Errorf("%s: warehouse %d rows, report %d", tr.Name, got, tr.RowsLoaded)
		}
	}
	users, orders := rep.Tables[0], rep.Tables[1]
	if orders.RowsQuarantined != 8 || users.RowsQuarantined != 3 {
		t.Errorf("quarantined orders %d users %d, want 8 and 3", orders.RowsQuarantined, users.RowsQuarantined)
	}
	// Warn rules count rows but keep them.
	minors := scalar[int64](t, db, "SELECT count(*) FROM main.users WHERE age < 18")
	if minors == 0 || violationRows(users, "adult") != minors {
		t.Errorf("adult (warn) counted %d rows; %d loaded users are under 18", violationRows(users, "adult"), minors)
	}
	if violationRows(users, "row_count") != users.RowsIn {
		t.Errorf("row_count (warn) broken but counted %d", violationRows(users, "row_count"))
	}
	// The quarantined rows are written beside the table's file.
	q := filepath.Join(dir, "csv", "orders.quarantine.csv")
	if n := scalar[int64](t, db, "SELECT count(*) FROM read_csv(?, header = true)", q); n != 8 {
		t.Errorf("%s has %d rows, want 8", q, n)
	}
	if len(users.Samples) == 0 || len(users.Samples[0].Violations) == 0 {
		t.Error("the report keeps no offending rows for the summary")
	}
}

func TestOnInvalidFailWritesNothingForTheTable(t *testing.T) {
	dir := t.TempDir()
	in, _ := badInput(t, dir)
	plan := compile(t, dir, badSpec(dir, in, "fail", "drop"))
	rep, err := engine.Apply(context.Background(), plan, engine.Options{})
	if err == nil {
		t.Fatal("the run succeeded with on_invalid: fail and invalid users")
	}
	for _, want := range []string{"validate.users", "3 invalid rows", "pattern_email (1 rows)", "type_age (1 rows)", "not_null_city (1 rows)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	db := query(t, filepath.Join(dir, "ecom.duckdb"))
	if n := scalar[int](t, db, "SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('users', 'orders')"); n != 0 {
		t.Errorf("%d tables written, want none (orders waits for users through its relationship rule)", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "csv", "users.csv")); !os.IsNotExist(err) {
		t.Errorf("users.csv written after a failed validation: %v", err)
	}
	for _, st := range rep.Stages {
		if st.Table == "orders" && (st.Status != "skipped" || st.Cause != "validate.users") && st.Kind != "extract" {
			t.Errorf("%s: %s (cause %q), want skipped because of validate.users", st.ID, st.Status, st.Cause)
		}
	}
}

func TestOnInvalidDropCountsDroppedRows(t *testing.T) {
	dir := t.TempDir()
	in, _ := badInput(t, dir)
	spec := strings.Replace(badSpec(dir, in, "quarantine", "drop"), "enable: [user_id_references]", "enable: []", 1)
	rep := apply(t, compile(t, dir, spec))
	orders := rep.Tables[1]
	if orders.RowsDropped != 7 || orders.RowsQuarantined != 0 || orders.RowsLoaded+7 != orders.RowsIn {
		t.Errorf("orders: in %d loaded %d dropped %d quarantined %d; want 7 dropped (no relationship rule)",
			orders.RowsIn, orders.RowsLoaded, orders.RowsDropped, orders.RowsQuarantined)
	}
}
