package stages

import (
	"context"
	"fmt"
	"strconv"

	"github.com/ecomrun/ecomrun/pkg/diag"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/thelook"
)

// thelookSource streams the embedded generator's Arrow batches into the warehouse.
type thelookSource struct{ opts thelook.Options }

var (
	_ Source = (*thelookSource)(nil)
	_ Sizer  = (*thelookSource)(nil)
)

// Size is the rows the generator makes of the table at its scale, about.
func (s *thelookSource) Size(t *spec.TablePlan) int64 {
	return thelook.ExpectedRows(t.Name, s.opts.Scale)
}

func init() {
	RegisterSource("thelook", "the embedded generator", func(_ spec.Source, c *TheLookConfig) (Source, error) {
		return &thelookSource{opts: thelook.Options{Scale: c.Scale, Seed: c.Seed, Defects: c.Defects}}, nil
	})
}

// TheLookConfig is the thelook source's keys: how much the generator makes, from
// which seed, and how much of it damaged on purpose.
type TheLookConfig struct {
	Scale float64 `json:"scale,omitempty" schema:"exclusiveMinimum=0" default:"0.1" doc:"size of the generated data; 1.0 = 100,000 users, about 3 million rows in all"`
	Seed  int64   `json:"seed,omitempty" schema:"minimum=-9223372036854775808,maximum=9223372036854775807" default:"0" doc:"seed of the generator; the same seed and scale give the same rows"`
	// Defects is the share of rows (0..0.1) the generator damages on purpose, so a
	// first run shows quarantine at work.
	Defects float64 `json:"defects,omitempty" schema:"minimum=0,maximum=0.1" default:"0" doc:"share of rows damaged on purpose (a status outside the domain, a negative price, a duplicated key, ...) so that validation has rows to quarantine; the same seed damages the same rows. 0 damages none"`
}

var (
	_ spec.SourceConfig = (*TheLookConfig)(nil)
	_ DatasetNamer      = (*TheLookConfig)(nil)
)

// FixedColumns says the generator's columns are always its models': its tables
// have no schema contract.
func (c *TheLookConfig) FixedColumns() bool { return true }

func (c *TheLookConfig) Describe() string {
	return fmt.Sprintf("thelook generator (scale %g, seed %d)", c.Scale, c.Seed)
}

// Check refuses the tables the generator cannot make: it makes thelook's seven
// with their built-in models, not a declared table nor a model file's.
func (c *TheLookConfig) Check(b *spec.Block) diag.Diagnostics {
	var ds diag.Diagnostics
	for i, t := range b.Spec.Tables {
		switch file := b.Spec.ModelFile(t.Name); {
		case t.Declared():
			ds = append(ds, b.Table(i, "columns").Errorf("read a declared table from a files or bigquery source; the generator's tables take their built-in models",
				"the thelook generator makes only its seven tables with their built-in models, not declared columns")...)
		case file != "":
			ds = append(ds, b.Table(i, "name").Errorf("read a table of a model file ("+file+") from a files or bigquery source",
				"the thelook generator makes only its seven tables with their built-in models, not a model file's")...)
		}
	}
	return ds
}

// LineageDataset is the generator's namespace, and a name that carries what decides its rows.
func (c *TheLookConfig) LineageDataset(t *spec.TablePlan) (namespace, name string) {
	return "thelook", "seed=" + strconv.FormatInt(c.Seed, 10) + "/scale=" + strconv.FormatFloat(c.Scale, 'g', -1, 64) + "/" + t.Name
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
