package bench

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"path/filepath"

	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
	"github.com/ecomrun/ecomrun/pkg/stages"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

// validation loads the plan's tables, typed, into a DuckDB file (not timed), then
// times the rules' SQL pass over them, as the validate stage runs it, and then the
// row-by-row Go validation of the same rows. The two must find the same violations.
func validation(ctx context.Context, j Job, plan *spec.Plan) (Result, error) {
	wh, err := warehouse.Open(ctx, filepath.Join(j.Dir, "validate.duckdb"), warehouse.Options{MemoryLimit: plan.Spec.Warehouse.MemoryLimit})
	if err != nil {
		return Result{}, err
	}
	defer wh.Close()
	if err := loadTyped(ctx, wh, plan); err != nil {
		return Result{}, err
	}

	stop, err := startProfile(j.CPUProfile)
	if err != nil {
		return Result{}, err
	}
	clock := startClock()
	rows, byRule, err := sqlPass(ctx, wh.DB, plan)
	r := Result{Rows: rows}
	r.Seconds, r.CPUSeconds = clock()
	stop()
	if err != nil {
		return r, err
	}
	clock = startClock()
	goRows, goByRule, err := goPass(ctx, wh.DB, plan)
	r.RowwiseSeconds, r.RowwiseCPUSeconds = clock()
	if err != nil {
		return r, err
	}
	for _, n := range byRule {
		r.Violations += n
	}
	if goRows != rows || !maps.Equal(byRule, goByRule) {
		return r, fmt.Errorf("the SQL pass and the row-by-row pass disagree: %d rows %v, against %d rows %v", rows, byRule, goRows, goByRule)
	}
	return r, nil
}

// loadTyped streams each table from the generator into main.<table>.
func loadTyped(ctx context.Context, wh *warehouse.Warehouse, plan *spec.Plan) error {
	for _, t := range plan.Tables {
		if _, err := load(ctx, wh, plan, t.Name, sqlq.Qualified("main", t.Name)); err != nil {
			return fmt.Errorf("load %s: %w", t.Name, err)
		}
	}
	return nil
}

// sqlPass evaluates every table's row rules in one DuckDB statement per table (the
// validate stage's, after its proof of distinct keys), table after table, and counts the rows that broke each rule,
// keyed "table.rule".
func sqlPass(ctx context.Context, db *sql.DB, plan *spec.Plan) (rows int64, byRule map[string]int64, err error) {
	byRule = map[string]int64{}
	for _, t := range plan.Tables {
		rel := sqlq.Qualified("main", t.Name)
		distinct, err := stages.DistinctKeys(ctx, db, rel, &t, false)
		if err != nil {
			return 0, nil, fmt.Errorf("%s: %w", t.Name, err)
		}
		compiled, err := rules.Compile(rules.Target{
			Relation: rel,
			Columns:  columns(&t),
			Resolve:  func(table string) string { return sqlq.Qualified("main", table) },
			Distinct: func(column string) bool { return distinct[column] },
		}, t.Rules)
		if err != nil {
			return 0, nil, fmt.Errorf("%s: %w", t.Name, err)
		}
		viol := sqlq.Ident("_bench_violations_" + t.Name)
		if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s AS %s", viol, compiled.Violations)); err != nil {
			return 0, nil, fmt.Errorf("%s: %w", t.Name, err)
		}
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+rel).Scan(&n); err != nil {
			return 0, nil, err
		}
		rows += n
		res, err := db.QueryContext(ctx, "SELECT rule, count(*) FROM (SELECT unnest(_violations) AS rule FROM "+viol+") GROUP BY rule")
		if err != nil {
			return 0, nil, err
		}
		for res.Next() {
			var rule string
			var n int64
			if err := res.Scan(&rule, &n); err != nil {
				res.Close()
				return 0, nil, err
			}
			byRule[t.Name+"."+rule] = n
		}
		res.Close()
		if err := res.Err(); err != nil {
			return 0, nil, err
		}
	}
	return rows, byRule, nil
}

// goPass runs the row-by-row validation over every table, counting per rule as sqlPass does.
func goPass(ctx context.Context, db *sql.DB, plan *spec.Plan) (rows int64, byRule map[string]int64, err error) {
	byRule = map[string]int64{}
	for _, t := range plan.Tables {
		n, broken, err := rowwise(ctx, db, &t)
		if err != nil {
			return 0, nil, err
		}
		rows += n
		for _, rules := range broken {
			for _, rule := range rules {
				byRule[t.Name+"."+rule]++
			}
		}
	}
	return rows, byRule, nil
}

func columns(t *spec.TablePlan) []rules.Column {
	cols := make([]rules.Column, len(t.Model.Columns))
	for i, c := range t.Model.Columns {
		cols[i] = rules.Column{Name: c.Name, Type: c.Type.DuckDB()}
	}
	return cols
}
