package bigquery_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	gbq "cloud.google.com/go/bigquery"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlexpr"
)

// smuggling is valid in DuckDB (status compared with one string); pasted into BigQuery
// as written, \' would end the string, the subquery run and # hide the rest.
const smuggling = `status = 'a\'' OR EXISTS(SELECT 1 FROM ` + "`other.secret.t`" + `) OR TRUE #'`

// The GoogleSQL rendering is proven in GoogleSQL: each condition, rendered as the
// bigquery source pushes it down and run by the emulator (ZetaSQL), keeps as many orders as its DuckDB
// rendering keeps of the same generated rows. The smuggling attempt stays one string
// literal there: it runs, reads no other table, and keeps no row.
func TestWhereRenderingsAgreeAcrossDialects(t *testing.T) {
	emu := startEmulator(t)
	dir := t.TempDir()
	mustApply(t, compile(t, dir, "gen", generatorSource(), "orders"))
	db, err := sql.Open("duckdb", filepath.Join(dir, "gen.duckdb")+"?access_mode=READ_ONLY")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	client, err := gbq.NewClient(ctx, testProject, option.WithEndpoint(emu.url), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	for _, where := range []string{
		"status = 'Shipped' AND num_of_item > 1",
		"shipped_at IS DISTINCT FROM delivered_at",
		"EXTRACT(year FROM created_at) = 2024 OR EXTRACT(month FROM created_at) BETWEEN 3 AND 4",
		"created_at > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1000 DAY)",
		"created_at < now() - INTERVAL 36 HOUR",
		"CASE status WHEN 'Complete' THEN num_of_item >= 2 ELSE gender = 'F' END",
		`"Status" IN ('Returned', 'Cancelled') AND gender NOT LIKE 'M%'`,
		"status ILIKE 'ship%' OR regexp_matches(status, '^C')",
		"lower(status) || '!' = 'complete!' AND length(trim(gender)) = 1",
		"coalesce(returned_at, delivered_at, shipped_at) IS NULL",
		"CAST(num_of_item AS DOUBLE) / 2 > 1.25 AND num_of_item % 2 = 0",
		"TRY_CAST(gender AS INTEGER) IS NULL AND abs(num_of_item - 5) <= 3", // (the emulator lacks unary minus)
		"date_trunc('month', created_at) = date_trunc('month', shipped_at)",
		smuggling,
	} {
		t.Run(where, func(t *testing.T) {
			tp := &spec.TablePlan{Name: "orders", Model: catalog.Lookup("orders"), Where: where}
			remote, err := tp.WhereSQL(sqlexpr.GoogleSQL)
			if err != nil {
				t.Fatal(err)
			}
			q := fmt.Sprintf("SELECT count(*) FROM `%s`.`%s`.`orders` WHERE %s", testProject, testDataset, remote)
			it, err := client.Query(q).Read(ctx)
			if err != nil {
				t.Fatalf("BigQuery refuses %s: %v", q, err)
			}
			var row []gbq.Value
			if err := it.Next(&row); err != nil && err != iterator.Done {
				t.Fatal(err)
			}
			got := row[0].(int64)
			local, err := tp.WhereSQL(sqlexpr.DuckDB)
			if err != nil {
				t.Fatal(err)
			}
			var want int64
			if err := db.QueryRow("SELECT count(*) FROM orders WHERE " + local).Scan(&want); err != nil {
				t.Fatalf("DuckDB: %s: %v", local, err)
			}
			if got != want {
				t.Errorf("BigQuery keeps %d rows with %s, DuckDB %d with %s", got, remote, want, local)
			}
			if where == smuggling && got != 0 {
				t.Errorf("the smuggled condition kept %d rows", got)
			}
		})
	}
}
