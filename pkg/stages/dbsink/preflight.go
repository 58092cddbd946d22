package dbsink

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ecomrun/ecomrun/pkg/stages"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

var _ stages.Preflighter = (*target)(nil)

// Preflight checks, before a run extracts anything, what attaching the target needs.
func (t *target) Preflight(ctx context.Context, wh *warehouse.Warehouse, runID string) error {
	if t.preflight == nil {
		return nil
	}
	return t.preflight(ctx, wh)
}

// preflightFile checks that a DuckDB target file can be written: its folder takes
// new files, and a file that is there already opens (it is a DuckDB database and no
// other process holds its lock).
func preflightFile(ctx context.Context, path string) error {
	if err := stages.ProbeFolder(filepath.Dir(path), "duckdb"); err != nil {
		return err
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	db, err := warehouse.OpenReadOnly(ctx, path)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w", path, err)
	}
	return db.Close()
}

// preflightMotherDuck checks that there is a token and that MotherDuck's extension
// is installed or can be (its host answers), then loads it into the warehouse, as
// the run would.
func preflightMotherDuck(ctx context.Context, wh *warehouse.Warehouse, token string) error {
	if token == "" {
		return errors.New("MotherDuck: no token: set MOTHERDUCK_TOKEN (or token: ${VAR} in the sink) to a MotherDuck access token")
	}
	if wh == nil {
		return nil
	}
	return loadExtension(ctx, &stages.Run{Warehouse: wh})
}
