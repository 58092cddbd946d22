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
	"sync"
	"time"

	"github.com/ecomrun/ecomrun/internal/failpoint"
	"github.com/ecomrun/ecomrun/pkg/atomicdir"
	"github.com/ecomrun/ecomrun/pkg/diag"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// ManifestName is the file a files sink writes last, listing what its folder holds.
const ManifestName = "_manifest.json"

// fileSink writes one file per table (and, when rows were quarantined, one
// <table>.quarantine file beside it) with DuckDB's COPY, then publishes them with
// the folder's updated manifest in one step (atomicdir): a reader, or a run killed at
// any moment, sees every file under its final name match the manifest's entry.
type fileSink struct {
	name, dir string
	format    string // the files' extension, and COPY's options by copyOptions
	text      bool   // the format writes values as text: rows come from TextRows
	// claim checks, once per run, that the folder is the sink's own, and sweeps
	// what a killed run left beside it.
	claim    sync.Once
	claimErr error
}

var _ Sink = (*fileSink)(nil)

func init() {
	registerFolderSink("csv", "one <table>.csv file per table under path, with a _manifest.json", "FORMAT csv, HEADER true", true)
	registerFolderSink("parquet", "one <table>.parquet file per table under path, with a _manifest.json", "FORMAT parquet, COMPRESSION zstd", false)
}

// FolderConfig is the keys of a sink kind that writes one file per table into a
// folder it owns (registerFolderSink).
type FolderConfig struct {
	Path string `json:"path" schema:"required,minLength=1" example:"out/files" doc:"the folder the files are written to, created when missing"`
}

var _ spec.SinkConfig = (*FolderConfig)(nil)

// Check has nothing to add: where the folder may be is the spec's check of every
// sink's Writes.
func (c *FolderConfig) Check(*spec.Block) diag.Diagnostics { return nil }

func (c *FolderConfig) Describe() string { return c.Path }

// Writes is the folder, whole: the sink publishes all of it at each write.
func (c *FolderConfig) Writes([]string) []spec.Output {
	return []spec.Output{{Key: "path", Path: c.Path, Folder: true}}
}

// copyOptions are COPY's options per format; fixed, so reruns write the same bytes.
var copyOptions = map[string]string{}

// registerFolderSink registers a sink kind that writes each table, and its
// quarantine, as <table>.<format> with DuckDB's COPY ... (options) into the folder
// at path, published with its manifest in one step (fileSink): a kind of file
// DuckDB writes is one call of this. text says the format writes values as text.
func registerFolderSink(format, doc, options string, text bool) {
	copyOptions[format] = options
	RegisterSink(format, doc, func(k spec.Sink, c *FolderConfig) (Sink, error) {
		return &fileSink{name: k.Name, dir: filepath.Clean(c.Path), format: format, text: text}, nil
	})
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

// staged is a file written for this run, not yet published.
type staged struct {
	path  string
	entry ManifestEntry
}

func (s *fileSink) Write(ctx context.Context, run *Run, t *spec.TablePlan) error {
	mu := run.lock(s.dir)
	s.claim.Do(func() {
		mu.Lock()
		defer mu.Unlock()
		s.claimErr = s.claimFolder()
	})
	if s.claimErr != nil {
		return s.claimErr
	}
	stage, err := os.MkdirTemp(filepath.Dir(s.dir), "."+filepath.Base(s.dir)+".next-stage-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)

	files := []staged{}
	main, err := s.copy(ctx, run, stage, t, false)
	if err != nil {
		return err
	}
	files = append(files, main)
	if t.OnInvalid == spec.OnInvalidQuarantine {
		q, err := s.copy(ctx, run, stage, t, true)
		if err != nil {
			return err
		}
		files = append(files, q)
	}

	mu.Lock()
	defer mu.Unlock()
	failpoint.Hit("sink." + s.name + "." + t.Name + ".publish")
	err = atomicdir.Update(s.dir, run.ID+"-"+t.Name, func(next string) error {
		for _, f := range files {
			if err := os.Rename(f.path, filepath.Join(next, f.entry.File)); err != nil {
				return err
			}
		}
		return s.updateManifest(next, files)
	})
	if err != nil {
		return err
	}
	for _, f := range files {
		e := f.entry
		run.Report.AddOutput(report.Output{Sink: s.name, Table: e.Table, Path: filepath.Join(s.dir, e.File), Rows: e.Rows, Bytes: e.Bytes, SHA256: e.SHA256})
	}
	return nil
}

// claimFolder refuses a folder that holds files but no manifest: a folder sink
// publishes its whole folder at each write, so it must be new, empty, or one it
// wrote before, never a folder of other files (a mistyped path such as /etc).
func (s *fileSink) claimFolder() error {
	if err := s.owned(); err != nil {
		return err
	}
	return atomicdir.Sweep(s.dir)
}

// owned checks that the folder is new, empty or one the sink wrote (it has a manifest).
func (s *fileSink) owned() error {
	entries, err := os.ReadDir(s.dir) // a folder that cannot be read fails where it is written
	if err == nil && len(entries) > 0 && !slices.ContainsFunc(entries, func(e os.DirEntry) bool { return e.Name() == ManifestName }) {
		return fmt.Errorf("%s holds %d files but no %s, so ecomrun did not write it: point the sink at a folder of its own (a new or empty one)",
			s.dir, len(entries), ManifestName)
	}
	return nil
}

// copy writes the table's rows, or its quarantine's, to <table>[.quarantine].<format>
// in the staging folder.
func (s *fileSink) copy(ctx context.Context, run *Run, stage string, t *spec.TablePlan, quarantine bool) (staged, error) {
	base, query := t.Name, SinkRows(t, quarantine)
	if quarantine {
		base += ".quarantine"
	}
	if s.text {
		var err error
		if query, err = TextRows(ctx, run, t, quarantine); err != nil {
			return staged{}, err
		}
	}
	file := base + "." + s.format
	path := filepath.Join(stage, file)
	rows, err := CopyTo(ctx, run, query, path, copyOptions[s.format])
	if err != nil {
		return staged{}, fmt.Errorf("write %s: %w", filepath.Join(s.dir, file), err)
	}
	size, sum, err := FileDigest(path)
	if err != nil {
		return staged{}, err
	}
	failpoint.Hit("sink." + s.name + "." + base)
	return staged{path, ManifestEntry{Table: t.Name, File: file, Rows: rows, Bytes: size, SHA256: sum, RunID: run.ID}}, nil
}

// updateManifest replaces the entries of files in the manifest of the folder being
// built. Entries of tables this run did not write stay as they were, like their files.
func (s *fileSink) updateManifest(dir string, files []staged) error {
	path := filepath.Join(dir, ManifestName)
	m, err := manifestIn(dir, s.dir)
	if err != nil {
		return err
	}
	for _, f := range files {
		m.Tables = slices.DeleteFunc(m.Tables, func(old ManifestEntry) bool { return old.File == f.entry.File })
		m.Tables = append(m.Tables, f.entry)
	}
	slices.SortFunc(m.Tables, func(a, b ManifestEntry) int { return strings.Compare(a.File, b.File) })
	m.Sink, m.Format, m.Updated = s.name, s.format, time.Now().UTC()
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	// path is a hard link to the published manifest: replace it, never write through it.
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return writeSynced(path, append(b, '\n'))
}

// ReadManifest reads the manifest of a folder sink's folder; a folder without one
// has an empty one.
func ReadManifest(dir string) (Manifest, error) { return manifestIn(dir, dir) }

// manifestIn reads the manifest in dir; when it is no manifest, the error names
// the one in shown (the published folder, when dir is the next one being built).
func manifestIn(dir, shown string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s is not a manifest (%v): move it away", filepath.Join(shown, ManifestName), err)
	}
	return m, nil
}

// writeSynced writes a new file and flushes it to disk before the folder is published.
func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}
