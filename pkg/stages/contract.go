package stages

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// SourceColumn is one column a source really has, as it names and types it.
type SourceColumn struct {
	Name string
	// Type is the source's type name (DuckDB's for a Parquet file, BigQuery's for a
	// table); empty for CSV, whose values are text.
	Type string
	// As is the model type the column evolves into under extra_columns: evolve.
	As catalog.Type
	// Changed says the column's type is not its model column's (nil: never).
	Changed bool
}

// Drift is what a table's contract made of its source's columns: the model the
// read loads (the spec's, plus evolved columns), the model columns the source
// lacks (read as NULL), and every drift for the report.
type Drift struct {
	Model *catalog.Model
	// Missing and Changed name model columns the source lacks (read as NULL) and
	// types otherwise (cast value by value), by their model names.
	Missing, Changed map[string]bool
	Report           []report.Drift
}

// ApplyContract checks a source's real columns against the table's model under its
// contract, before any row is read: a drift the contract refuses fails the table
// with every such drift named. Columns match without regard to case. where names
// the source for messages ("data/orders.csv"). The table's model becomes the one
// the read loads (evolved columns added), and the drift goes in the report.
func (run *Run) ApplyContract(t *spec.TablePlan, where string, have []SourceColumn) (*Drift, error) {
	d, err := checkContract(t, where, have)
	if err != nil {
		return nil, err
	}
	if d.Model != t.Model {
		// Only an evolved table's model changes; other stages read a table's plan
		// while it extracts (a bigquery relationship's query reads the referenced
		// table's columns), so the plan is written only when it must be.
		t.Model = d.Model
	}
	if len(d.Report) > 0 {
		run.Report.Update(t.Name, func(r *report.Table) { r.Drift = d.Report })
	}
	return d, nil
}

func checkContract(t *spec.TablePlan, where string, have []SourceColumn) (*Drift, error) {
	c := t.Contract.Over(catalog.DefaultContract)
	d := &Drift{Model: t.Model, Missing: map[string]bool{}, Changed: map[string]bool{}}
	byName := map[string]SourceColumn{}
	for _, s := range have {
		byName[strings.ToLower(s.Name)] = s
	}
	var refused []string
	for _, col := range t.Model.Columns {
		s, ok := byName[strings.ToLower(col.Name)]
		switch {
		case !ok && (col.Required || c.MissingColumns == catalog.Fail):
			refused = append(refused, fmt.Sprintf("column %s is missing (%s)", col.Name, missingWhy(col, c)))
		case !ok:
			d.Missing[col.Name] = true
			d.Report = append(d.Report, report.Drift{Column: col.Name, Change: "missing", ModelType: string(col.Type), Action: "null"})
		case s.Changed && c.TypeChanges == catalog.Fail:
			refused = append(refused, fmt.Sprintf("column %s is %s, the model says %s (contract type_changes: fail)", col.Name, s.Type, col.Type))
		case s.Changed:
			d.Changed[col.Name] = true
			d.Report = append(d.Report, report.Drift{Column: col.Name, Change: "type", SourceType: s.Type, ModelType: string(col.Type), Action: "cast"})
		}
	}
	var evolved []catalog.Column
	for _, s := range have {
		if slices.ContainsFunc(t.Model.Columns, func(m catalog.Column) bool { return strings.EqualFold(m.Name, s.Name) }) {
			continue
		}
		switch c.ExtraColumns {
		case catalog.Fail:
			refused = append(refused, fmt.Sprintf("column %s is not in the model (contract extra_columns: fail)", s.Name))
		case catalog.Evolve:
			if err := spec.CheckColumnName(s.Name); err != nil {
				refused = append(refused, fmt.Sprintf("column %s cannot be added to the table (contract extra_columns: evolve): %v", s.Name, err))
				continue
			}
			evolved = append(evolved, catalog.Column{Name: strings.ToLower(s.Name), Type: s.As})
			d.Report = append(d.Report, report.Drift{Column: s.Name, Change: "extra", SourceType: s.Type, ModelType: string(s.As), Action: "evolved"})
		default:
			d.Report = append(d.Report, report.Drift{Column: s.Name, Change: "extra", SourceType: s.Type, Action: "ignored"})
		}
	}
	if len(refused) > 0 {
		return nil, fmt.Errorf("%s breaks the schema contract of table %s, nothing was read: %s", where, t.Name, strings.Join(refused, "; "))
	}
	if len(evolved) > 0 {
		m := *t.Model
		m.Columns = append(slices.Clip(m.Columns), evolved...)
		d.Model = &m
	}
	return d, nil
}

func missingWhy(col catalog.Column, c catalog.Contract) string {
	if col.Required {
		return "it is required"
	}
	return "contract missing_columns: fail; null loads it as NULL"
}
