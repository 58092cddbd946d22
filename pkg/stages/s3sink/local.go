package s3sink

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

// localFile is one file DuckDB wrote for a table, and the object it becomes.
type localFile struct {
	path   string
	key    string
	rows   int64
	bytes  int64
	sha256 string
}

// unsafeInRunID are the characters a run id may not bring into a key or a COPY
// file pattern; engine run ids never have them, ids given by callers might.
var unsafeInRunID = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// partPrefix starts the name of every data object of a run: part-<run_id>-.
func partPrefix(runID string) string {
	return "part-" + unsafeInRunID.ReplaceAllString(runID, "_") + "-"
}

// partFile matches the data objects this sink writes, of any run.
var partFile = regexp.MustCompile(`^part-[A-Za-z0-9._-]+-[0-9]+\.(parquet|csv|csv\.gz)$`)

// extension is the data objects' file extension, as DuckDB names partitioned files.
func (s *sink) extension() string {
	switch {
	case s.format == "csv" && s.compression == "gzip":
		return ".csv.gz"
	case s.format == "csv":
		return ".csv"
	}
	return ".parquet"
}

func (s *sink) contentType() string {
	switch s.extension() {
	case ".csv.gz":
		return "application/gzip" // not Content-Encoding: readers must get the bytes the manifest's checksum is of
	case ".csv":
		return "text/csv"
	}
	return "application/vnd.apache.parquet"
}

// copyOptions are COPY's options for the sink's format, compression and partitions.
func (s *sink) copyOptions(runID string) string {
	o := "FORMAT parquet, COMPRESSION " + sqlq.String(s.compression)
	if s.format == "csv" {
		o = "FORMAT csv, HEADER true, COMPRESSION " + sqlq.String(s.compression)
	}
	if len(s.partitionBy) > 0 {
		cols := make([]string, len(s.partitionBy))
		for i, c := range s.partitionBy {
			cols[i] = sqlq.Ident(c)
		}
		o += fmt.Sprintf(", PARTITION_BY (%s), FILENAME_PATTERN %s", strings.Join(cols, ", "), sqlq.String(partPrefix(runID)+"{i}"))
	}
	return o
}

// writeLocal writes the loaded table under dir with DuckDB's COPY: one file, or with
// partition_by one folder per value (col=value/, as DuckDB escapes values). It
// returns the files in key order, each with its key under folder, rows, size and
// SHA-256.
func (s *sink) writeLocal(ctx context.Context, run *stages.Run, t *spec.TablePlan, dir, folder string) ([]localFile, error) {
	query := stages.SinkRows(t, false)
	if s.format == "csv" && len(s.partitionBy) == 0 { // a partition column's values name folders: left as DuckDB writes them
		var err error
		if query, err = stages.TextRows(ctx, run, t, false); err != nil {
			return nil, err
		}
	}
	dest := filepath.Join(dir, partPrefix(run.ID)+"0"+s.extension())
	if len(s.partitionBy) > 0 {
		dest = filepath.Join(dir, "data")
	}
	rows, err := stages.CopyTo(ctx, run, query, dest, s.copyOptions(run.ID))
	if err != nil {
		return nil, fmt.Errorf("write %s locally: %w", dest, err)
	}
	var files []localFile
	err = filepath.WalkDir(dest, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dest, path)
		if err != nil {
			return err
		}
		if rel == "." {
			rel = filepath.Base(path)
		}
		f := localFile{path: path, key: folder + filepath.ToSlash(rel), rows: rows}
		if f.bytes, f.sha256, err = stages.FileDigest(path); err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	if err != nil || len(s.partitionBy) == 0 {
		return files, err
	}
	return files, s.countRows(ctx, run, files, rows)
}

// countRows counts the rows of each partition file by reading it back, and checks
// they add up to what COPY wrote.
func (s *sink) countRows(ctx context.Context, run *stages.Run, files []localFile, want int64) error {
	read := "read_parquet(?)"
	if s.format == "csv" {
		// As written: header, comma, double quotes; no type sniffing to go wrong.
		read = `read_csv(?, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')`
	}
	var total int64
	for i := range files {
		if err := run.Warehouse.DB.QueryRowContext(ctx, "SELECT count(*) FROM "+read, files[i].path).Scan(&files[i].rows); err != nil {
			return fmt.Errorf("count the rows of %s: %w", files[i].path, err)
		}
		total += files[i].rows
	}
	if total != want {
		return fmt.Errorf("the partition files hold %d rows, COPY wrote %d", total, want)
	}
	return nil
}

// manifest describes a run's files, before they are uploaded; publish stamps it.
func (s *sink) manifest(runID, table string, files []localFile) *Manifest {
	m := &Manifest{
		Sink: s.name, Table: table, RunID: runID, Bucket: s.bucket,
		Format: s.format, Compression: s.compression, PartitionBy: s.partitionBy,
		Objects: []Object{},
	}
	for _, f := range files {
		m.Objects = append(m.Objects, Object{Key: f.key, Rows: f.rows, Bytes: f.bytes, SHA256: f.sha256})
		m.Rows += f.rows
		m.Bytes += f.bytes
	}
	return m
}

// stagingPrefix starts the names of the local folders a table is staged in before
// upload, beside the warehouse: .ecomrun-s3-<table>-<h>-, h being a short hash of
// the warehouse's path, the sink and the table. A run holds its warehouse alone and
// writes a table to a sink once, so a folder with this prefix that exists when the
// table is written is a killed run's.
func stagingPrefix(warehousePath, sink, table string) string {
	if abs, err := filepath.Abs(warehousePath); err == nil {
		warehousePath = abs
	}
	h := sha256.Sum256([]byte(warehousePath + "\x00" + sink + "\x00" + table))
	return ".ecomrun-s3-" + table + "-" + hex.EncodeToString(h[:4]) + "-"
}

// stagingDir removes the staging folders a killed run left for the table, and makes
// a new one.
func (s *sink) stagingDir(warehousePath, table string) (string, error) {
	parent := filepath.Dir(warehousePath)
	prefix := stagingPrefix(warehousePath, s.name, table)
	stale, err := filepath.Glob(filepath.Join(parent, prefix+"*"))
	if err != nil {
		return "", err
	}
	for _, d := range stale {
		if err := os.RemoveAll(d); err != nil {
			return "", fmt.Errorf("remove the staging folder a killed run left: %w", err)
		}
	}
	return os.MkdirTemp(parent, prefix)
}
