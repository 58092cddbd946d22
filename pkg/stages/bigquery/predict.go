package bigquery

import (
	"context"
	"errors"

	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

// Prediction is what a table's rules would reject, counted in BigQuery before a
// run: one COUNTIF per rule over the rows the read would return.
type Prediction struct {
	// Query is the counting query; Bytes what its dry run says it scans (-1: the
	// service gave no dry run, as an emulator may not).
	Query string
	Bytes int64
	Counts
}

// Predict dry-runs, then runs, a table's counting query over the rows the next
// apply reads: those past b, the incremental table's bound from its stored
// watermark (nil: the whole table). A dry run over max_bytes_billed is an
// *OverLimitError and the query is not run.
func (s *Source) Predict(ctx context.Context, t *spec.TablePlan, b *stages.Bound) (*Prediction, error) {
	if err := s.Open(ctx); err != nil {
		return nil, err
	}
	v, err := s.validatedQuery(t, b, nil)
	if err != nil {
		return nil, err
	}
	p := &Prediction{Query: v.counts.String(), Bytes: -1}
	var over *OverLimitError
	switch n, err := s.dryRun(ctx, t, v.counts); {
	case errors.As(err, &over):
		p.Bytes = n
		return p, err
	case err == nil && n > 0:
		p.Bytes = n
	}
	ctx, cancel := readContext(ctx)
	defer cancel(nil)
	if p.Counts, err = s.count(ctx, t, v); err != nil {
		return p, reason(ctx, err)
	}
	return p, nil
}
