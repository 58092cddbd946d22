package stages

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

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
func SinkRows(t *spec.TablePlan, quarantine bool) string { return sinkRows(t, quarantine, nil) }

// TextRows is SinkRows for a format that writes every value as text (CSV, JSON):
// the same rows and the same bytes, but each TIMESTAMPTZ column of the relation is
// turned into its text by timestampText, 3.5x faster than DuckDB's own cast.
func TextRows(ctx context.Context, run *Run, t *spec.TablePlan, quarantine bool) (string, error) {
	schema := "main"
	if quarantine {
		schema = QuarantineSchema
	}
	cols, err := run.Warehouse.Columns(ctx, schema, t.Name)
	if err != nil {
		return "", err
	}
	var replace []string
	for _, c := range cols {
		if c.Type == "TIMESTAMP WITH TIME ZONE" {
			replace = append(replace, timestampText(sqlq.Ident(c.Name))+" AS "+sqlq.Ident(c.Name))
		}
	}
	return sinkRows(t, quarantine, replace), nil
}

// timestampText is the text DuckDB gives TIMESTAMPTZ column q in the warehouse's
// TimeZone, UTC ("2024-06-23 23:41:55.5+00"), written without ICU, which DuckDB's
// cast goes through even for UTC: in the years 1 to 9999 the instant is written as
// the plain TIMESTAMP of its microseconds plus +00 (TestTextRowsWriteTimestampsAsDuckDB
// compares the two on millions of values); outside them (BC, infinity) the cast's.
func timestampText(q string) string {
	return fmt.Sprintf("CASE WHEN %s BETWEEN TIMESTAMPTZ '0001-01-01 00:00:00+00' AND TIMESTAMPTZ '9999-12-31 23:59:59.999999+00' "+
		"THEN make_timestamp(epoch_us(%s))::VARCHAR || '+00' ELSE %s::VARCHAR END", q, q, q)
}

// sinkRows is SinkRows with the columns of replace (expr AS column) in place of
// theirs, around the rows in their order (DuckDB keeps a subquery's order through a
// projection).
func sinkRows(t *spec.TablePlan, quarantine bool, replace []string) string {
	q := "SELECT * FROM " + sqlq.Qualified("main", t.Name)
	if quarantine {
		q = "SELECT * EXCLUDE (_run_id) FROM " + sqlq.Qualified(QuarantineSchema, t.Name)
		if t.Incremental != nil {
			q += " ORDER BY ALL"
		}
	} else if t.Incremental != nil {
		q += " ORDER BY " + sqlq.Ident(t.Incremental.PrimaryKey)
	}
	if len(replace) > 0 {
		q = fmt.Sprintf("SELECT * REPLACE (%s) FROM (%s)", strings.Join(replace, ", "), q)
	}
	return q
}
