package stages

import (
	"context"

	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/thelook"
)

// thelookSource streams the embedded generator's Arrow batches into the warehouse.
type thelookSource struct{ opts thelook.Options }

var _ Source = (*thelookSource)(nil)

func init() {
	RegisterSource("thelook", func(s spec.Source) (Source, error) {
		return &thelookSource{opts: thelook.Options{Scale: s.Scale, Seed: s.Seed, Defects: s.Defects}}, nil
	})
}

func (s *thelookSource) Extract(ctx context.Context, run *Run, t *spec.TablePlan, relation string) (bool, error) {
	reader, err := thelook.Generate(t.Name, s.opts)
	if err != nil {
		return false, err
	}
	defer reader.Release()
	bound := run.Bound(t.Name)
	if _, err := projection(t, "", false, bound); err != nil {
		return false, err
	}
	_, err = run.Warehouse.CreateFromArrow(ctx, relation, reader, func(from string) string { q, _ := projection(t, from, false, bound); return q },
		t.Where != "" || bound != nil)
	return false, err
}
