package stages

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

// Preflighter is a sink that can check its destination before a run extracts
// anything: credentials resolve, the destination answers and takes a write. What it
// writes to find out, it removes again. wh is the run's warehouse, or nil when the
// warehouse itself cannot be opened (a check that needs it is then skipped).
type Preflighter interface {
	Preflight(ctx context.Context, wh *warehouse.Warehouse, runID string) error
}

// NewSink builds the sink a block of spec s names, as NewRun does, without writing
// anything (a preflight builds its own). It runs the kind's Check first, as
// validate does, so what validate refuses no build takes.
func NewSink(s *spec.Spec, k spec.Sink) (Sink, error) {
	newSink, ok := sinks[k.Kind]
	if !ok {
		return nil, fmt.Errorf("kind %q is not available (have %v)", k.Kind, kinds(sinks))
	}
	if diags := s.CheckSink(k); diags.HasErrors() {
		return nil, diags.Err()
	}
	return newSink(k)
}

var _ Preflighter = (*fileSink)(nil)

// Preflight checks that the folder the sink publishes into can be written: the
// sink builds the next folder beside it and exchanges the two, so it is the
// parent that must take new entries.
func (s *fileSink) Preflight(ctx context.Context, _ *warehouse.Warehouse, runID string) error {
	if fi, err := os.Stat(s.dir); err == nil && !fi.IsDir() {
		return fmt.Errorf("%s is a file, not a folder", s.dir)
	}
	if err := s.owned(); err != nil {
		return err
	}
	return ProbeFolder(filepath.Dir(s.dir), runID)
}

// ProbeFolder creates dir if needed and checks that a file can be created in it, by
// creating one (.ecomrun-preflight-<run>-*) and removing it again.
func ProbeFolder(dir, runID string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create the folder %s: %w", dir, err)
	}
	// Probes a killed preflight left are removed first; this run's own (sinks that
	// share a folder probe it at once) are not.
	if left, err := filepath.Glob(filepath.Join(dir, ".ecomrun-preflight-*")); err == nil {
		for _, p := range left {
			if !strings.HasPrefix(filepath.Base(p), ".ecomrun-preflight-"+runID+"-") {
				os.Remove(p)
			}
		}
	}
	f, err := os.CreateTemp(dir, ".ecomrun-preflight-"+runID+"-*")
	if err != nil {
		return fmt.Errorf("the folder %s is not writable: %w", dir, err)
	}
	name := f.Name()
	err = f.Close()
	if rerr := os.Remove(name); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	return err
}
