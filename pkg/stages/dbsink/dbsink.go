// Package dbsink writes loaded tables into another database: a DuckDB file (kind
// duckdb) or MotherDuck (kind motherduck). Both share one path: ATTACH the target
// once per run, write each table (and its quarantine) in one transaction: replace it
// (snapshot) or upsert the rows this run merged, by primary key (incremental); DETACH
// when the run ends. A rerun never appends what is there, so it never duplicates.
package dbsink

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/ecomrun/ecomrun/internal/failpoint"
	"github.com/ecomrun/ecomrun/pkg/diag"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
	"github.com/ecomrun/ecomrun/pkg/stages"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

// target is a database reachable by ATTACH.
type target struct {
	name  string
	alias string // the catalog name the target is attached as
	// attach makes the target reachable from the warehouse, or says why it is not.
	attach func(ctx context.Context, run *stages.Run) error
	// describe names the target in outputs and errors (no secrets).
	describe string
	// preflight checks, before a run extracts anything, that attach will work.
	preflight func(ctx context.Context, wh *warehouse.Warehouse) error

	once      sync.Once
	attachErr error
}

var (
	_ stages.Sink     = (*target)(nil)
	_ stages.Finisher = (*target)(nil)
)

func init() {
	stages.RegisterSink("duckdb", "the tables in another DuckDB file at path", newDuckDB)
}

// duckdbConfig is the duckdb sink's keys.
type duckdbConfig struct {
	Path string `json:"path" schema:"required,minLength=1" example:"out/copy.duckdb" doc:"the database file, created when missing"`
}

var _ spec.SinkConfig = (*duckdbConfig)(nil)

func (c *duckdbConfig) Check(*spec.Block) diag.Diagnostics { return nil }
func (c *duckdbConfig) Describe() string                   { return c.Path }

// Writes is the database file: a sink attaches it whole.
func (c *duckdbConfig) Writes([]string) []spec.Output {
	return []spec.Output{{Key: "path", Path: c.Path}}
}

func newDuckDB(s spec.Sink, c *duckdbConfig) (stages.Sink, error) {
	path := c.Path
	t := &target{name: s.Name, alias: alias(s.Name), describe: path}
	t.attach = func(ctx context.Context, run *stages.Run) error {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		return run.Warehouse.Exec(ctx, fmt.Sprintf("ATTACH %s AS %s", sqlq.String(path), sqlq.Ident(t.alias)))
	}
	t.preflight = func(ctx context.Context, _ *warehouse.Warehouse) error { return preflightFile(ctx, path) }
	return t, nil
}

func alias(sink string) string { return "_ecomrun_sink_" + sink }

// Write replaces the table, and its quarantine when there is one, in the target.
func (t *target) Write(ctx context.Context, run *stages.Run, table *spec.TablePlan) error {
	if err := t.ensureAttached(ctx, run); err != nil {
		return err
	}
	pairs := [][2]string{{"main", table.Name}}
	if table.OnInvalid == spec.OnInvalidQuarantine {
		pairs = append(pairs, [2]string{stages.QuarantineSchema, table.Name})
	}
	// One target, one transaction: a reader of the target sees the old table and
	// quarantine or the new ones, never one of each.
	upsert, err := t.upsert(ctx, run, table)
	if err != nil {
		return err
	}
	err = run.Warehouse.Tx(ctx, func(tx *sql.Tx) error {
		for _, p := range pairs {
			stmts := []string{fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT * FROM %s", sqlq.Qualified(t.alias, p[0], p[1]), sqlq.Qualified(p[0], p[1]))}
			if p[0] == "main" && upsert != nil {
				stmts = upsert
			}
			for _, q := range stmts {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write %s to %s: %w", table.Name, t.describe, err)
	}
	failpoint.Hit("sink." + t.name + "." + table.Name + ".committed")
	n, err := run.Warehouse.Count(ctx, sqlq.Qualified(t.alias, "main", table.Name))
	if err != nil {
		return err
	}
	run.Report.AddOutput(report.Output{Sink: t.name, Table: table.Name, Path: t.describe + "#main." + table.Name, Rows: n})
	return nil
}

// ensureAttached attaches the target the first time a table is written (or pruned).
func (t *target) ensureAttached(ctx context.Context, run *stages.Run) error {
	t.once.Do(func() {
		t.attachErr = t.attach(ctx, run)
		if t.attachErr == nil {
			// Once, here: concurrent creates of one schema conflict in DuckDB's catalog.
			t.attachErr = run.Warehouse.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+sqlq.Qualified(t.alias, stages.QuarantineSchema))
		}
	})
	return t.attachErr
}

// upsert returns the statements that bring the target's table up to date by
// primary key, when this run merged rows into an incremental table that the target
// already has; nil means replace the table whole.
func (t *target) upsert(ctx context.Context, run *stages.Run, table *spec.TablePlan) ([]string, error) {
	changed, merged := run.Changed(table.Name)
	if !merged {
		return nil, nil
	}
	if exists, err := run.Warehouse.Exists(ctx, t.alias, "main", table.Name); err != nil || !exists {
		return nil, err
	}
	dst, src := sqlq.Qualified(t.alias, "main", table.Name), sqlq.Qualified("main", table.Name)
	pk := sqlq.Ident(table.Incremental.PrimaryKey)
	return []string{
		fmt.Sprintf("DELETE FROM %s WHERE %s IN (SELECT %s FROM %s)", dst, pk, pk, changed),
		fmt.Sprintf("INSERT INTO %s SELECT * FROM %s WHERE %s IN (SELECT %s FROM %s)", dst, src, pk, pk, changed),
	}, nil
}

// Finish detaches the target, so its file is closed and complete when the run ends.
func (t *target) Finish(ctx context.Context, run *stages.Run) error {
	attached, err := run.Warehouse.Attached(ctx, t.alias)
	if err != nil || !attached {
		return err
	}
	if err := run.Warehouse.Exec(ctx, "DETACH "+sqlq.Ident(t.alias)); err != nil {
		return err
	}
	return nil
}
