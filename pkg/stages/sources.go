package stages

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ecomrun/ecomrun/pkg/spec"
)

// Optional abilities of a source besides Describer. A source kind implements those
// that make sense for it; the run and the plan command ask for them by type assertion.

// Opener is a source that connects before any table is read (finding credentials,
// building a client), so that what stops every table fails the run once, not once per table.
type Opener interface {
	Open(ctx context.Context) error
}

// Estimator is a source that can say before a run how many bytes reading a table
// would scan, such as BigQuery's dry run; ecomrun plan prints it, because that is
// what such a source bills.
type Estimator interface {
	// Estimate returns ErrNoEstimate when the source cannot tell (no credentials to ask with).
	Estimate(ctx context.Context, t *spec.TablePlan) (int64, error)
}

// ErrNoEstimate is an Estimator with nothing to say.
var ErrNoEstimate = errors.New("no estimate")

// Sizer is a source that can tell at once, without a network call, how big a
// table's read is next to the others' (a file's bytes, the generator's rows):
// apply starts the bigger tables' stages first (Run.Size), so that the longest
// chain of stages does not start last.
type Sizer interface {
	Size(t *spec.TablePlan) int64
}

// Size is the table's size by the source's Sizer, 0 when it has none.
func (run *Run) Size(t *spec.TablePlan) int64 {
	if s, ok := run.source.(Sizer); ok {
		return s.Size(t)
	}
	return 0
}

// NewSource builds the source spec s names, without opening it. It runs the
// kind's Check first, as validate does, so what validate refuses no build takes.
func NewSource(s *spec.Spec) (Source, error) {
	newSource, ok := sources[s.Source.Kind]
	if !ok {
		return nil, fmt.Errorf("source kind %q is not available (have %v)", s.Source.Kind, kinds(sources))
	}
	if diags := s.CheckSource(); diags.HasErrors() {
		return nil, fmt.Errorf("source %s: %w", s.Source.Kind, diags.Err())
	}
	src, err := newSource(s.Source)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", s.Source.Kind, err)
	}
	return src, nil
}

// open opens the run's source if it is an Opener; NewRun calls it last.
func (r *Run) open(ctx context.Context) error {
	if o, ok := r.source.(Opener); ok {
		if err := o.Open(ctx); err != nil {
			return fmt.Errorf("source %s: %w", r.Plan.Spec.Source.Kind, err)
		}
	}
	return nil
}

// closeSource closes the run's source if it holds anything (an io.Closer); Cleanup calls it.
func (r *Run) closeSource() error {
	if c, ok := r.source.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
