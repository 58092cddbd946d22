package stages

import (
	"context"

	"github.com/ecomrun/ecomrun/pkg/spec"
)

// sinkStage writes one loaded table through one sink.
type sinkStage struct {
	table *spec.TablePlan
	sink  Sink
}

var _ Stage = (*sinkStage)(nil)

func (s *sinkStage) Run(ctx context.Context, run *Run) error {
	return s.sink.Write(ctx, run, s.table)
}
