package bigquery

import (
	"context"
	"fmt"
	"strings"

	gbq "cloud.google.com/go/bigquery"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

// schemaRead is what a table's contract made of the dataset table's columns, and
// which of them BigQuery holds as a RECORD or an ARRAY: the query reads those as
// their JSON text (TO_JSON_STRING), which a STRING or JSON column holds and no CAST
// makes.
type schemaRead struct {
	*stages.Drift
	nested map[string]bool // by lower-case name
}

// contract reads the dataset table's schema (a metadata call: nothing is read or
// billed) and checks it against the table's contract before the query runs.
func (s *Source) contract(ctx context.Context, run *stages.Run, t *spec.TablePlan) (*schemaRead, error) {
	name := sourceTable(t)
	md, err := s.client.DatasetInProject(s.dataset.project, s.dataset.dataset).Table(name).Metadata(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the schema of %s.%s.%s: %w", s.dataset.project, s.dataset.dataset, name, err)
	}
	var have []stages.SourceColumn
	nested := map[string]bool{}
	for _, f := range md.Schema {
		if f.Repeated || f.Type == gbq.RecordFieldType {
			nested[strings.ToLower(f.Name)] = true
		}
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
	drift, err := run.ApplyContract(t, s.dataset.project+"."+s.dataset.dataset+"."+name, have)
	if err != nil {
		return nil, err
	}
	return &schemaRead{Drift: drift, nested: nested}, nil
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
