package stages

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/sqlexpr"
)

// TestFilesSourceFailsOnAWhereItCannotApply: when a table's where: cannot be
// turned into SQL, the files source fails the extract, for CSV and Parquet alike,
// instead of reading every row as if there were no filter.
func TestFilesSourceFailsOnAWhereItCannotApply(t *testing.T) {
	for _, format := range []string{"csv", "parquet"} {
		t.Run(format, func(t *testing.T) {
			ctx := context.Background()
			plan, wh, in := filesPlan(t, format, "distribution_centers")
			plan.Tables[0].Where = "id > 1"
			// Two rows of the model's columns, written by DuckDB in the source's format.
			table := &plan.Tables[0]
			cols := table.Model.ColumnNames()
			sel := make([]string, len(cols))
			for i, c := range cols {
				sel[i] = "NULL AS " + c
			}
			sel[0] = "i AS id"
			file := filepath.Join(in, table.Name+"."+format)
			if err := wh.Exec(ctx, "COPY (SELECT "+strings.Join(sel, ", ")+" FROM range(1, 3) t(i)) TO '"+file+"' (FORMAT "+format+")"); err != nil {
				t.Fatal(err)
			}
			// A where the spec's checks would have refused, as a later change might let through.
			table.Where = "id >"
			if _, err := table.WhereSQL(sqlexpr.DuckDB); err == nil {
				t.Fatal("the test is moot: the where translates")
			}
			run, err := NewRun(ctx, "r1", plan, wh, nil, func(string) bool { return false })
			if err != nil {
				t.Fatal(err)
			}
			defer run.Cleanup(ctx)
			_, err = run.source.Extract(ctx, run, table, stagedRelation(table.Name))
			if err == nil || !strings.Contains(err.Error(), "where") {
				n, _ := wh.Count(ctx, stagedRelation(table.Name))
				t.Fatalf("extract with a broken where: %v (%d rows staged), want the where's error", err, n)
			}
		})
	}
}
