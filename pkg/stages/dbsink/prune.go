package dbsink

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ecomrun/ecomrun/pkg/sqlq"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

var _ stages.Pruner = (*target)(nil)

// Prune drops a table and its quarantine from the target in one transaction.
func (t *target) Prune(ctx context.Context, run *stages.Run, table string) error {
	if err := t.ensureAttached(ctx, run); err != nil {
		return err
	}
	err := run.Warehouse.Tx(ctx, func(tx *sql.Tx) error {
		for _, schema := range []string{"main", stages.QuarantineSchema} {
			if _, err := tx.ExecContext(ctx, "DROP TABLE IF EXISTS "+sqlq.Qualified(t.alias, schema, table)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("drop %s from %s: %w", table, t.describe, err)
	}
	return nil
}
