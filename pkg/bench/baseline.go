package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
	"github.com/ecomrun/ecomrun/pkg/stages"
	"github.com/ecomrun/ecomrun/pkg/thelook"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

// baseline is the least any tool can do with DuckDB for the same result: the
// generator's stream into a DuckDB file with one CREATE TABLE AS per table, then one
// COPY per table and sink, with the sinks' own COPY options. No staging, validation,
// swap, digest or manifest. Tables run as many at once as apply runs stages (one per
// CPU), and the database opens with the warehouse's settings, so the two differ only
// in what ecomrun adds.
func baseline(ctx context.Context, dir string, plan *spec.Plan) (Result, error) {
	wh, err := warehouse.Open(ctx, filepath.Join(dir, "baseline.duckdb"), warehouse.Options{MemoryLimit: plan.Spec.Warehouse.MemoryLimit})
	if err != nil {
		return Result{}, err
	}
	for _, k := range plan.Spec.Sinks {
		if err := os.MkdirAll(filepath.Join(dir, "baseline-"+k.Name), 0o755); err != nil {
			wh.Close()
			return Result{}, err
		}
	}
	var (
		mu   sync.Mutex
		rows int64
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, runtime.NumCPU())
	)
	for _, t := range plan.Tables {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			n, err := baselineTable(ctx, wh, dir, plan, t.Name)
			mu.Lock()
			defer mu.Unlock()
			rows += n
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", t.Name, err))
			}
		})
	}
	wg.Wait()
	// Closing checkpoints the database; apply's time includes the same.
	errs = append(errs, wh.Close())
	return Result{Rows: rows}, errors.Join(errs...)
}

func baselineTable(ctx context.Context, wh *warehouse.Warehouse, dir string, plan *spec.Plan, table string) (int64, error) {
	rr, err := thelook.Generate(table, sourceOptions(plan))
	if err != nil {
		return 0, err
	}
	defer rr.Release()
	rel := sqlq.Ident(table)
	n, err := wh.CreateFromArrow(ctx, rel, rr, func(view string) string { return "SELECT * FROM " + view })
	if err != nil {
		return 0, err
	}
	for _, k := range plan.Spec.Sinks {
		dest := filepath.Join(dir, "baseline-"+k.Name, table+"."+k.Kind)
		err := wh.Exec(ctx, fmt.Sprintf("COPY (SELECT * FROM %s) TO %s (%s)", rel, sqlq.String(dest), stages.CopyOptions(k.Kind)))
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}
