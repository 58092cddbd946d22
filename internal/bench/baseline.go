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
// swap, digest or manifest. It runs the statements in the shape apply runs its
// stages, so the two differ only in what ecomrun adds: each table's COPYs wait for
// its table and may run at once, and at most one statement per CPU runs at a time
// (apply's default parallelism). The database opens with the warehouse's settings.
func baseline(ctx context.Context, dir string, plan *spec.Plan) (Result, error) {
	return runBaseline(ctx, dir, plan, func(ctx context.Context, wh *warehouse.Warehouse, table, relation string) (int64, error) {
		return load(ctx, wh, plan, table, relation)
	})
}

// loader creates relation from a table's rows and returns how many there are.
type loader func(ctx context.Context, wh *warehouse.Warehouse, table, relation string) (int64, error)

// runBaseline runs a baseline's statements in apply's shape: per table, load, then
// one COPY per sink once the table is there, at most one statement per CPU at a time.
func runBaseline(ctx context.Context, dir string, plan *spec.Plan, create loader) (Result, error) {
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
	// step runs fn as one of at most NumCPU statements at a time.
	step := func(table string, fn func() error) bool {
		sem <- struct{}{}
		err := fn()
		<-sem
		if err != nil {
			mu.Lock()
			errs = append(errs, fmt.Errorf("%s: %w", table, err))
			mu.Unlock()
		}
		return err == nil
	}
	for _, t := range plan.Tables {
		wg.Go(func() {
			rel := sqlq.Ident(t.Name)
			loaded := step(t.Name, func() error {
				n, err := create(ctx, wh, t.Name, rel)
				mu.Lock()
				rows += n
				mu.Unlock()
				return err
			})
			if !loaded {
				return
			}
			for _, k := range plan.Spec.Sinks {
				wg.Go(func() {
					dest := filepath.Join(dir, "baseline-"+k.Name, t.Name+"."+k.Kind)
					step(t.Name, func() error { return copyTo(ctx, wh, rel, dest, k.Kind) })
				})
			}
		})
	}
	wg.Wait()
	// Closing checkpoints the database; apply's time includes the same.
	errs = append(errs, wh.Close())
	return Result{Rows: rows}, errors.Join(errs...)
}

// copyTo writes relation to dest with COPY and the options of the sink kind.
func copyTo(ctx context.Context, wh *warehouse.Warehouse, relation, dest, kind string) error {
	return wh.Exec(ctx, fmt.Sprintf("COPY (SELECT * FROM %s) TO %s (%s)", relation, sqlq.String(dest), stages.CopyOptions(kind)))
}

// load streams a table from the generator into relation.
func load(ctx context.Context, wh *warehouse.Warehouse, plan *spec.Plan, table, relation string) (int64, error) {
	rr, err := thelook.Generate(table, sourceOptions(plan))
	if err != nil {
		return 0, err
	}
	defer rr.Release()
	return wh.CreateFromArrow(ctx, relation, rr, func(view string) string { return "SELECT * FROM " + view }, false)
}
