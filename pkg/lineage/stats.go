package lineage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

// warehouseStats counts, in the warehouse after the run, the rows and the NULLs
// of each column of every table this run loaded: one scan per table, read-only,
// bounded by ctx. A table it cannot count gets no metrics (the event goes anyway).
func warehouseStats(ctx context.Context, plan *spec.Plan, rep *report.Report) map[string]*tableStats {
	out := map[string]*tableStats{}
	var loaded []*spec.TablePlan
	for i, t := range plan.Tables {
		for _, s := range rep.Stages {
			if s.Table == t.Name && s.Kind == spec.StageLoad && s.Status == "ok" {
				loaded = append(loaded, &plan.Tables[i])
			}
		}
	}
	if len(loaded) == 0 {
		return out
	}
	wh, err := warehouse.OpenReadOnly(ctx, plan.Spec.Warehouse.Path)
	if err != nil {
		return out
	}
	defer wh.Close()
	for _, t := range loaded {
		if st, err := countNulls(ctx, wh.DB, t); err == nil {
			out[t.Name] = st
		}
	}
	return out
}

func countNulls(ctx context.Context, db *sql.DB, t *spec.TablePlan) (*tableStats, error) {
	cols := t.Model.ColumnNames()
	exprs := []string{"count(*)"}
	for _, c := range cols {
		exprs = append(exprs, fmt.Sprintf("count(*) - count(%s)", sqlq.Ident(c)))
	}
	vals := make([]int64, len(exprs))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	q := fmt.Sprintf("SELECT %s FROM %s", strings.Join(exprs, ", "), sqlq.Qualified("main", t.Name))
	if err := db.QueryRowContext(ctx, q).Scan(ptrs...); err != nil {
		return nil, err
	}
	st := &tableStats{rows: vals[0], nulls: map[string]int64{}}
	for i, c := range cols {
		st.nulls[c] = vals[i+1]
	}
	return st, nil
}
