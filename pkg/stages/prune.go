package stages

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/ecomrun/ecomrun/internal/failpoint"
	"github.com/ecomrun/ecomrun/pkg/atomicdir"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// Pruner is a sink that can remove what it holds of a table that is no longer in
// the spec, in one step a reader sees whole (the table is there, or it is gone).
// Removing a table it never wrote is not an error.
type Pruner interface {
	Prune(ctx context.Context, run *Run, table string) error
}

// Orphans returns the tables the warehouse remembers (_ecomrun.state) that the spec
// no longer names, sorted; none when nothing has run.
func Orphans(ctx context.Context, db *sql.DB, s *spec.Spec) ([]string, error) {
	var n int
	err := db.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? AND table_name = 'state'", StateSchema).Scan(&n)
	if err != nil || n == 0 {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, "SELECT table_name FROM "+stateTable+" ORDER BY table_name")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(s.Tables, func(t spec.Table) bool { return t.Name == name }) {
			out = append(out, name)
		}
	}
	return out, rows.Err()
}

// Prune removes a table that is no longer in the spec: first from every sink of the
// spec, each atomically, then from the warehouse in one transaction (the table, its
// quarantine and its state row). The state row goes last: it is what names the
// table as one to prune, so a prune cut short anywhere is found and finished by the
// next. It returns the sinks that failed, and the warehouse is left as it was then.
func (r *Run) Prune(ctx context.Context, table string) error {
	var errs []error
	for _, k := range r.Plan.Spec.Sinks {
		if p, ok := r.sinks[k.Name].(Pruner); ok {
			if err := p.Prune(ctx, r, table); err != nil {
				errs = append(errs, fmt.Errorf("prune %s from sink %s: %w", table, k.Name, err))
			}
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	failpoint.Hit("prune." + table + ".sinks")
	err := r.Warehouse.Tx(ctx, func(tx *sql.Tx) error {
		return exec(ctx, tx,
			"DROP TABLE IF EXISTS "+sqlq.Qualified("main", table),
			"DROP TABLE IF EXISTS "+sqlq.Qualified(QuarantineSchema, table),
			fmt.Sprintf("DELETE FROM %s WHERE table_name = %s", stateTable, sqlq.String(table)))
	})
	if err != nil {
		return fmt.Errorf("prune %s from the warehouse: %w", table, err)
	}
	failpoint.Hit("prune." + table + ".committed")
	return nil
}

var _ Pruner = (*fileSink)(nil)

// Prune removes a table's files and their manifest entries in one folder exchange,
// the same publish a write uses: a reader sees the folder with the table's files
// and entries, or without both.
func (s *fileSink) Prune(ctx context.Context, run *Run, table string) error {
	mu := run.lock(s.dir)
	mu.Lock()
	defer mu.Unlock()
	files := []string{table + "." + s.format, table + ".quarantine." + s.format}
	m, err := s.readManifest()
	if err != nil {
		return err
	}
	listed := slices.ContainsFunc(m.Tables, func(e ManifestEntry) bool { return e.Table == table || slices.Contains(files, e.File) })
	present := slices.ContainsFunc(files, func(f string) bool { _, err := os.Lstat(filepath.Join(s.dir, f)); return err == nil })
	if !listed && !present {
		return nil
	}
	if err := atomicdir.Sweep(s.dir); err != nil {
		return err
	}
	failpoint.Hit("sink." + s.name + "." + table + ".prune")
	return atomicdir.Update(s.dir, run.ID+"-prune-"+table, func(next string) error {
		for _, f := range files {
			if err := os.Remove(filepath.Join(next, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		if _, err := os.Stat(filepath.Join(next, ManifestName)); errors.Is(err, os.ErrNotExist) {
			return nil
		}
		m.Tables = slices.DeleteFunc(m.Tables, func(e ManifestEntry) bool { return e.Table == table || slices.Contains(files, e.File) })
		return s.writeManifest(next, m)
	})
}

// readManifest reads the published manifest; a folder without one has an empty one.
func (s *fileSink) readManifest() (Manifest, error) {
	m, err := ReadManifest(s.dir)
	m.Sink, m.Format = cmp.Or(m.Sink, s.name), cmp.Or(m.Format, s.format)
	return m, err
}

// writeManifest replaces the manifest of the folder being built with m.
func (s *fileSink) writeManifest(dir string, m Manifest) error {
	path := filepath.Join(dir, ManifestName)
	m.Updated = time.Now().UTC()
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	// path is a hard link to the published manifest: replace it, never write through it.
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return writeSynced(path, append(b, '\n'))
}
