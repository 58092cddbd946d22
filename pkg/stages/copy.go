package stages

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// CopyTo writes the rows of query to dest with DuckDB's COPY and options (such as
// "FORMAT parquet, COMPRESSION zstd") and returns how many rows it wrote. dest is a
// file, or a folder to create when the options partition the rows (PARTITION_BY).
// Every sink that writes files goes through it, so they all write the same bytes
// for the same rows and options.
func CopyTo(ctx context.Context, run *Run, query, dest, options string) (int64, error) {
	res, err := run.Warehouse.DB.ExecContext(ctx, fmt.Sprintf("COPY (%s) TO %s (%s)", query, sqlq.String(dest), options))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// FileDigest returns a file's size and hex SHA-256, reading it once as a stream,
// for manifests that let readers check what they read.
func FileDigest(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return n, hex.EncodeToString(h.Sum(nil)), err
}

// SinkRows is the query a sink writes a table's loaded rows with or, with
// quarantine, its quarantined rows less their _run_id (the manifest holds the run).
// A snapshot table's rows come in the order they were loaded, the source's; an
// incremental table's are sorted (by its primary key, its quarantine by every
// column), because merges leave rows in an order that depends on which runs came
// before, and a sink's bytes must depend on the rows alone.
func SinkRows(t *spec.TablePlan, quarantine bool) string {
	if quarantine {
		q := "SELECT * EXCLUDE (_run_id) FROM " + sqlq.Qualified(QuarantineSchema, t.Name)
		if t.Incremental != nil {
			q += " ORDER BY ALL"
		}
		return q
	}
	q := "SELECT * FROM " + sqlq.Qualified("main", t.Name)
	if t.Incremental != nil {
		q += " ORDER BY " + sqlq.Ident(t.Incremental.PrimaryKey)
	}
	return q
}
