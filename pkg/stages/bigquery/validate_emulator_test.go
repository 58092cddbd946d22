package bigquery_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	gbq "cloud.google.com/go/bigquery"
	"google.golang.org/api/option"

	"github.com/ecomrun/ecomrun/pkg/report"
)

// e2eDataset is testProject.e2e: dirty orders and users whose only damage breaks a
// warn rule, so a relationship to users reads the same parent rows in BigQuery
// (the dataset's table) and in DuckDB (the loaded table).
const e2eDataset = "e2e"

func e2eTables(t *testing.T) []table {
	t.Helper()
	var out []table
	for _, tb := range dirtyTables(t) {
		switch tb.ID {
		case "orders":
			out = append(out, tb)
		case "users":
			tb.Data = generatedRows(t, "users")
			for i, r := range tb.Data {
				r["_k"] = int64(i)
				if i%6 == 1 {
					r["email"] = "nope"
				}
			}
			tb.ID = "users_text" // user_geom as WKT text; the test makes users of it
			out = append(out, tb)
		}
	}
	return out
}

// e2eSpec is the tables: block of the end-to-end runs: every rule kind, and each
// of quarantine and drop on one of the tables.
func e2eSpec(users, orders string) string {
	return fmt.Sprintf(`  - name: users
    on_invalid: %s
    rules:
      - {name: email_shape, check: pattern, column: email, pattern: '[^@]+@[^@]+', severity: warn}
      - {check: row_count, min: 10}
  - name: orders
    on_invalid: %s
    enable: [user_id_references]
    rules:
      - {name: gender_shape, check: pattern, column: gender, pattern: '[MF]', severity: warn}
      - {name: few_items, check: expression, sql: "num_of_item <= 3", severity: warn}
`, users, orders)
}

// validate: bigquery runs the rules inside BigQuery's query; the run that follows
// must be the run validate: local makes of the same rows: the same warehouse, the
// same quarantine with the same _violations, the same accounting and the same
// counts per rule in the report. Under drop, the rejected rows are counted in
// BigQuery and never read.
func TestValidateInBigQueryEqualsLocal(t *testing.T) {
	emu := startEmulatorWith(t, dataset{ID: e2eDataset, Tables: e2eTables(t)})
	client, err := gbq.NewClient(context.Background(), testProject, option.WithEndpoint(emu.url), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	bqRows(t, client, fmt.Sprintf("CREATE TABLE `%[1]s.%[2]s.users` AS SELECT * REPLACE (ST_GEOGFROMTEXT(user_geom) AS user_geom) FROM `%[1]s.%[2]s.users_text`",
		testProject, e2eDataset))
	for _, tc := range []struct{ users, orders string }{{"quarantine", "drop"}, {"drop", "quarantine"}} {
		t.Run("orders_"+tc.orders, func(t *testing.T) {
			dir := t.TempDir()
			source := func(validate string) string {
				return fmt.Sprintf("{kind: bigquery, project: %s, dataset: %s.%s, endpoint: %q, read: rest, validate: %s}",
					testProject, testProject, e2eDataset, emu.url, validate)
			}
			tables := e2eSpec(tc.users, tc.orders)
			local := mustApply(t, compileTables(t, dir, "local", source("local"), tables))
			remote := mustApply(t, compileTables(t, dir, "remote", source("bigquery"), tables))
			sameReports(t, remote, local)
			got, want := filepath.Join(dir, "remote.duckdb"), filepath.Join(dir, "local.duckdb")
			sameTables(t, got, want, "users", "orders")
			quarantined := "orders"
			if tc.users == "quarantine" {
				quarantined = "users" // the built-in email_format rejects the dirty emails
			}
			sameQuarantine(t, got, want, quarantined, true)
		})
	}
}

func sameReports(t *testing.T, got, want *report.Report) {
	t.Helper()
	for _, w := range want.Tables {
		i := slices.IndexFunc(got.Tables, func(g *report.Table) bool { return g.Name == w.Name })
		if i < 0 {
			t.Errorf("%s: not in the report", w.Name)
			continue
		}
		g := got.Tables[i]
		if g.RowsIn != w.RowsIn || g.RowsLoaded != w.RowsLoaded || g.RowsQuarantined != w.RowsQuarantined || g.RowsDropped != w.RowsDropped {
			t.Errorf("%s: in %d, loaded %d, quarantined %d, dropped %d; local validation: %d, %d, %d, %d", w.Name,
				g.RowsIn, g.RowsLoaded, g.RowsQuarantined, g.RowsDropped, w.RowsIn, w.RowsLoaded, w.RowsQuarantined, w.RowsDropped)
		}
		if w.RowsQuarantined+w.RowsDropped == 0 && w.Name == "orders" {
			t.Errorf("%s: nothing rejected: the test cannot see a difference", w.Name)
		}
		if !slices.Equal(g.Violations, w.Violations) {
			t.Errorf("%s: violations\n%v\nlocal validation:\n%v", w.Name, g.Violations, w.Violations)
		}
	}
}

// sameQuarantine compares the quarantined rows with their _violations (not the run id).
func sameQuarantine(t *testing.T, got, want, table string, some bool) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for alias, path := range map[string]string{"got": got, "want": want} {
		if _, err := db.Exec(fmt.Sprintf("ATTACH '%s' AS %s (READ_ONLY)", path, alias)); err != nil {
			t.Fatal(err)
		}
	}
	g := fmt.Sprintf("SELECT * EXCLUDE (_run_id) FROM got.quarantine.%s", table)
	w := fmt.Sprintf("SELECT * EXCLUDE (_run_id) FROM want.quarantine.%s", table)
	var n, m, missing, extra int64
	q := fmt.Sprintf(`SELECT (SELECT count(*) FROM (%[1]s)), (SELECT count(*) FROM (%[2]s)),
		(SELECT count(*) FROM (%[2]s EXCEPT ALL %[1]s)), (SELECT count(*) FROM (%[1]s EXCEPT ALL %[2]s))`, g, w)
	if err := db.QueryRow(q).Scan(&n, &m, &missing, &extra); err != nil {
		t.Fatal(err)
	}
	if n != m || (n == 0) == some || missing != 0 || extra != 0 {
		t.Errorf("quarantine.%s: %d rows, want %d; %d missing, %d extra", table, n, m, missing, extra)
		showDiff(t, db, table, g, w)
	}
}
