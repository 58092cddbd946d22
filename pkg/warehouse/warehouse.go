// Package warehouse is the DuckDB database a pipeline loads into: opening it with
// safe settings (no extension downloads, UTC), streaming Arrow into it, and swapping
// tables in atomically.
package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/array"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// Options tune the database.
type Options struct {
	// MemoryLimit is DuckDB's memory_limit ("2GB"); empty means DefaultMemoryLimit.
	MemoryLimit string
	// TempDir is where DuckDB spills; empty means beside the database file.
	TempDir string
}

// Warehouse is an open DuckDB database.
type Warehouse struct {
	DB   *sql.DB
	Path string
	// OnRows, when set before a CreateFromArrow, hears the rows streamed into a
	// relation so far, as DuckDB pulls them (for progress displays); it must be quick.
	OnRows func(relation string, rows int64)
}

var viewSeq atomic.Int64

// DefaultMemoryLimit is DuckDB's memory_limit when the spec sets none. DuckDB's own
// default, 80% of the machine's memory, lets it keep every table it writes cached:
// the default pipeline at scale 10 grew to 6.3 GiB. Bounded, DuckDB evicts written
// blocks and spills what must stay (hash tables) to temp_directory, so memory stays
// flat as data grows. The limit covers DuckDB's buffer pool only: the program, the
// Go heap and the file writers' buffers come on top (0.3-0.5 GiB). Measured at
// scale 10, 512MB peaks at 0.9 GiB and 768MB at 1.3 GiB, equally fast.
const DefaultMemoryLimit = "512MB"

// Open opens (creating if needed) the DuckDB file at path. Automatic extension
// downloads are off: there may be no network, and a stalled download blocks for
// minutes and ignores cancellation.
func Open(ctx context.Context, path string, o Options) (*Warehouse, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("warehouse path %q: '?' and '#' are not allowed in a path", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("warehouse: %w", err)
	}
	settings := url.Values{
		"autoinstall_known_extensions": {"false"},
		"autoload_known_extensions":    {"false"},
		// Hand memory freed after each task back to the system rather than keep it
		// cached per thread: 0.1-0.25 GiB less peak memory at scale 10, no slower.
		"allocator_flush_threshold":    {"32MB"},
		"allocator_background_threads": {"true"},
		// Checkpoint when the database closes rather than whenever the write-ahead
		// log passes DuckDB's 16MB: a checkpoint blocks the commits around it, and
		// mid-run it fell on the statement after a big table's load (0.2 s of the
		// critical path at scale 1). Only tables of under 122,880 rows and metadata
		// go through the log; bigger ones are written to the file as they load.
		"checkpoint_threshold": {"1GB"},
	}
	settings.Set("memory_limit", o.MemoryLimit)
	if o.MemoryLimit == "" {
		settings.Set("memory_limit", DefaultMemoryLimit)
	}
	settings.Set("temp_directory", o.TempDir)
	if o.TempDir == "" {
		settings.Set("temp_directory", path+".tmp")
	}
	return connect(ctx, path, settings)
}

// OpenReadOnly opens an existing warehouse for reading only, as a second process may
// while no run holds it.
func OpenReadOnly(ctx context.Context, path string) (*Warehouse, error) {
	return connect(ctx, path, url.Values{
		"access_mode":                  {"READ_ONLY"},
		"autoinstall_known_extensions": {"false"},
		"autoload_known_extensions":    {"false"},
	})
}

// connect opens the database with settings and checks that it answers.
func connect(ctx context.Context, path string, settings url.Values) (*Warehouse, error) {
	// TimeZone belongs to the ICU extension, which is loaded after the config is read:
	// set it per connection, so TIMESTAMPTZ reads and writes in UTC everywhere.
	connector, err := duckdb.NewConnector(path+"?"+settings.Encode(), func(c driver.ExecerContext) error {
		_, err := c.ExecContext(context.Background(), "SET TimeZone = 'UTC'", nil)
		return err
	})
	if err != nil {
		return nil, explainOpenError(path, err)
	}
	db := sql.OpenDB(connector)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, explainOpenError(path, err)
	}
	return &Warehouse{DB: db, Path: path}, nil
}

// explainOpenError turns DuckDB's lock error into one that says what to do.
func explainOpenError(path string, err error) error {
	if strings.Contains(err.Error(), "Could not set lock") || strings.Contains(err.Error(), "Conflicting lock") {
		return fmt.Errorf("warehouse %s is in use by another process (another ecomrun apply?): wait for it to finish, or point warehouse.path elsewhere", path)
	}
	return fmt.Errorf("warehouse %s: %w", path, err)
}

// Close closes the database.
func (w *Warehouse) Close() error { return w.DB.Close() }

// Exec runs statements that return no rows.
func (w *Warehouse) Exec(ctx context.Context, query string, args ...any) error {
	_, err := w.DB.ExecContext(ctx, query, args...)
	return err
}

// Count returns the number of rows of a relation (already quoted, or a query in
// parentheses), optionally followed by a WHERE clause.
func (w *Warehouse) Count(ctx context.Context, relation string) (int64, error) {
	var n int64
	err := w.DB.QueryRowContext(ctx, "SELECT count(*) FROM "+relation).Scan(&n)
	return n, err
}

// Exists reports whether catalog.schema.table exists; an empty catalog means the
// warehouse itself, another one an attached database.
func (w *Warehouse) Exists(ctx context.Context, catalog, schema, table string) (bool, error) {
	var n int
	err := w.DB.QueryRowContext(ctx,
		"SELECT count(*) FROM duckdb_tables() WHERE database_name = coalesce(nullif(?, ''), current_database()) AND schema_name = ? AND table_name = ?",
		catalog, schema, table).Scan(&n)
	return n > 0, err
}

// Column is a warehouse table's column: its name and DuckDB type.
type Column struct{ Name, Type string }

// Columns lists the columns of the warehouse's schema.table in order (none when
// it does not exist).
func (w *Warehouse) Columns(ctx context.Context, schema, table string) ([]Column, error) {
	rows, err := w.DB.QueryContext(ctx, `SELECT column_name, data_type FROM duckdb_columns()
		WHERE database_name = current_database() AND schema_name = ? AND table_name = ? ORDER BY column_index`, schema, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []Column
	for rows.Next() {
		var c Column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// Attached reports whether a database is attached under alias.
func (w *Warehouse) Attached(ctx context.Context, alias string) (bool, error) {
	var n int
	err := w.DB.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", alias).Scan(&n)
	return n > 0, err
}

// CreateFromArrow creates (or replaces) relation from an Arrow stream, which DuckDB
// consumes batch by batch: the stream is never held whole in memory. query builds
// the SELECT (a projection, a filter, a limit) over from. It returns the number of
// rows.
//
// DuckDB pushes filters into its scan of an Arrow stream, and the stream applies
// none of them: a WHERE over the stream itself would keep every row. The setting
// that stops it, disabled_optimizers, is global to the database, so flipping it for
// one statement would turn pushdown back on under a concurrent ingest. So a query
// that filters (filtered) never runs over the stream: the stream is copied into a
// table first and the query runs over that table.
func (w *Warehouse) CreateFromArrow(ctx context.Context, relation string, r array.RecordReader, query func(from string) string, filtered bool) (int64, error) {
	conn, err := w.DB.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	seq := viewSeq.Add(1)
	view := sqlq.Ident(fmt.Sprintf("_ecomrun_arrow_%d", seq))
	var release func()
	r = w.counted(relation, r)
	err = conn.Raw(func(dc any) error {
		a, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		release, err = a.RegisterView(r, fmt.Sprintf("_ecomrun_arrow_%d", seq))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("register arrow stream: %w", err)
	}
	defer release()
	defer conn.ExecContext(context.WithoutCancel(ctx), "DROP VIEW IF EXISTS "+view)
	statements := []string{fmt.Sprintf("CREATE OR REPLACE TABLE %s AS %s", relation, query(view))}
	if filtered {
		copied := sqlq.Ident(fmt.Sprintf("%s%d", arrowCopyPrefix, seq))
		defer conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+copied)
		statements = []string{
			fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT * FROM %s", copied, view),
			fmt.Sprintf("CREATE OR REPLACE TABLE %s AS %s", relation, query(copied)),
		}
	}
	for _, s := range statements {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			if srcErr := r.Err(); srcErr != nil {
				return 0, srcErr
			}
			return 0, err
		}
	}
	var n int64
	err = conn.QueryRowContext(ctx, "SELECT count(*) FROM "+relation).Scan(&n)
	return n, err
}

// arrowCopyPrefix names the tables CreateFromArrow copies a filtered stream into.
const arrowCopyPrefix = "_ecomrun_arrow_copy_"

// DropArrowCopies drops every table CreateFromArrow copied a stream into and did
// not drop: a process killed between its two statements never runs the deferred
// DROP, and the copy, as large as the table read, would stay in the file for good.
// A run calls it when it opens the warehouse, before any ingest, since it would
// drop the copy of an ingest under way too.
func (w *Warehouse) DropArrowCopies(ctx context.Context) error {
	rows, err := w.DB.QueryContext(ctx, `SELECT table_name FROM duckdb_tables()
		WHERE database_name = current_database() AND schema_name = current_schema() AND starts_with(table_name, ?)`, arrowCopyPrefix)
	if err != nil {
		return err
	}
	var left []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		left = append(left, name)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	for _, name := range left {
		if err := w.Exec(ctx, "DROP TABLE IF EXISTS "+sqlq.Ident(name)); err != nil {
			return fmt.Errorf("drop %s, left by a killed run: %w", name, err)
		}
	}
	return nil
}

// Tx runs fn in a transaction, committed when fn returns nil.
func (w *Warehouse) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := w.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}
