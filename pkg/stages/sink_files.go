package stages

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ecomrun/ecomrun/pkg/atomicfile"
	"github.com/ecomrun/ecomrun/pkg/failpoint"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// ManifestName is the file a files sink writes last, listing what its folder holds.
const ManifestName = "_manifest.json"

// fileSink writes one file per table (and, when rows were quarantined, one
// <table>.quarantine file beside it) with DuckDB's COPY. Every file is written under
// a temporary name and renamed, then the manifest, so no reader sees a partial file.
type fileSink struct {
	name, dir string
	format    string // csv | parquet
}

var _ Sink = (*fileSink)(nil)

func init() {
	for _, format := range []string{"csv", "parquet"} {
		RegisterSink(format, func(s spec.Sink) (Sink, error) {
			return &fileSink{name: s.Name, dir: s.Path, format: format}, nil
		})
	}
}

// copyOptions are COPY's options per format; fixed, so reruns write the same bytes.
var copyOptions = map[string]string{
	"csv":     "FORMAT csv, HEADER true",
	"parquet": "FORMAT parquet, COMPRESSION zstd",
}

// Manifest describes a files sink's folder.
type Manifest struct {
	Sink    string          `json:"sink"`
	Format  string          `json:"format"`
	Updated time.Time       `json:"updated"`
	Tables  []ManifestEntry `json:"tables"`
}

// ManifestEntry is one file of the folder and the run that wrote it.
type ManifestEntry struct {
	Table  string `json:"table"`
	File   string `json:"file"`
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
	RunID  string `json:"run_id"`
}

func (s *fileSink) Write(ctx context.Context, run *Run, t *spec.TablePlan) error {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return err
	}
	entries := []ManifestEntry{}
	main, err := s.copy(ctx, run, t.Name, fmt.Sprintf("SELECT * FROM %s", sqlq.Qualified("main", t.Name)), t.Name)
	if err != nil {
		return err
	}
	entries = append(entries, main)
	if t.OnInvalid == spec.OnInvalidQuarantine {
		// The run id is in the manifest; leaving it out of the file keeps reruns byte-identical.
		q, err := s.copy(ctx, run, t.Name, fmt.Sprintf("SELECT * EXCLUDE (_run_id) FROM %s", sqlq.Qualified(QuarantineSchema, t.Name)), t.Name+".quarantine")
		if err != nil {
			return err
		}
		entries = append(entries, q)
	}
	return s.updateManifest(run, entries)
}

// copy writes a query's rows to <base>.<format> through a temporary file.
func (s *fileSink) copy(ctx context.Context, run *Run, table, query, base string) (ManifestEntry, error) {
	final := filepath.Join(s.dir, base+"."+s.format)
	tmpPrefix := filepath.Join(s.dir, "."+base+"."+s.format+".tmp-")
	removeStale(tmpPrefix)
	tmp := tmpPrefix + run.ID
	defer os.Remove(tmp)
	rows, err := CopyTo(ctx, run, query, tmp, copyOptions[s.format])
	if err != nil {
		return ManifestEntry{}, fmt.Errorf("write %s: %w", final, err)
	}
	size, sum, err := FileDigest(tmp)
	if err != nil {
		return ManifestEntry{}, err
	}
	failpoint.Hit("sink." + s.name + "." + base)
	if err := os.Rename(tmp, final); err != nil {
		return ManifestEntry{}, err
	}
	e := ManifestEntry{Table: table, File: filepath.Base(final), Rows: rows, Bytes: size, SHA256: sum, RunID: run.ID}
	run.Report.AddOutput(report.Output{Sink: s.name, Table: table, Path: final, Rows: rows, Bytes: size, SHA256: sum})
	return e, nil
}

// updateManifest replaces this run's entries in the folder's manifest, atomically.
// Entries of tables this run did not write stay as they were, like their files.
func (s *fileSink) updateManifest(run *Run, entries []ManifestEntry) error {
	path := filepath.Join(s.dir, ManifestName)
	mu := run.lock(path)
	mu.Lock()
	defer mu.Unlock()
	removeStale(filepath.Join(s.dir, "."+ManifestName+".tmp-"))
	m := Manifest{Sink: s.name, Format: s.format}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("%s is not a manifest (%v): move it away", path, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, e := range entries {
		m.Tables = slices.DeleteFunc(m.Tables, func(old ManifestEntry) bool { return old.File == e.File })
		m.Tables = append(m.Tables, e)
	}
	slices.SortFunc(m.Tables, func(a, b ManifestEntry) int { return strings.Compare(a.File, b.File) })
	m.Sink, m.Format, m.Updated = s.name, s.format, time.Now().UTC()
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(b, '\n'))
}

// removeStale deletes the temporary files a killed run left behind, named prefix*.
// The caller holds the only right to write the file they were meant to become.
func removeStale(prefix string) {
	stale, _ := filepath.Glob(prefix + "*")
	for _, f := range stale {
		os.Remove(f)
	}
}
