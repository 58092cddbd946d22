package bigquery

import (
	"context"
	"fmt"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

// contract reads the dataset table's schema (a metadata call: nothing is read or
// billed) and checks it against the table's contract before the query runs.
func (s *Source) contract(ctx context.Context, run *stages.Run, t *spec.TablePlan) (*stages.Drift, error) {
	name := sourceTable(t)
	md, err := s.client.DatasetInProject(s.dataset.project, s.dataset.dataset).Table(name).Metadata(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the schema of %s.%s.%s: %w", s.dataset.project, s.dataset.dataset, name, err)
	}
	var have []stages.SourceColumn
	for _, f := range md.Schema {
		typ, ok := catalog.FromBigQuery(string(f.Type), f.Repeated)
		shown := string(f.Type)
		if f.Repeated {
			shown = "ARRAY<" + shown + ">"
		}
		if !ok {
			typ = catalog.String // read as its text
		}
		col, inModel := t.Model.Column(strings.ToLower(f.Name))
		have = append(have, stages.SourceColumn{Name: f.Name, Type: shown, As: typ, Changed: inModel && typ != col.Type})
	}
	return run.ApplyContract(t, s.dataset.project+"."+s.dataset.dataset+"."+name, have)
}

// sourceTable is the table's name in the dataset.
func sourceTable(t *spec.TablePlan) string {
	if t.SourceTable != "" {
		return t.SourceTable
	}
	return t.Name
}

// readModel is the model as the query returns it: a changed column as its text.
func readModel(m *catalog.Model, drift *stages.Drift) *catalog.Model {
	if len(drift.Changed) == 0 {
		return m
	}
	read := *m
	read.Columns = make([]catalog.Column, len(m.Columns))
	for i, c := range m.Columns {
		if drift.Changed[c.Name] {
			c.Type = catalog.String
		}
		read.Columns[i] = c
	}
	return &read
}
