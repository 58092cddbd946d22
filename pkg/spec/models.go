package spec

import (
	"strings"

	"github.com/ecomrun/ecomrun/pkg/catalog"
)

// Model returns the model of a table of the spec: the one its first listing
// declares (columns:), else the one a model file declares (models:), else thelook's
// built-in model of that name, else nil. It is built anew on each call, so it always
// says what the spec says now.
func (s *Spec) Model(table string) *catalog.Model {
	for _, t := range s.Tables {
		if t.Name == table {
			if !t.Declared() {
				break
			}
			return declaredModel(t)
		}
	}
	if m := s.modelOf(table); m != nil {
		return m
	}
	return catalog.Lookup(table)
}

// declaredModel is the model a table's columns and key declare, with the rules they derive.
func declaredModel(t Table) *catalog.Model {
	cols := make([]catalog.Column, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = catalog.Column{Name: c.Name, Type: catalog.Type(strings.ToUpper(c.Type)), Required: c.Required}
	}
	m := catalog.NewModel(t.Name, t.Key, cols)
	if t.Contract != nil {
		m.Contract = *t.Contract
	}
	return m
}

// Declared reports whether the table declares its own columns.
func (t Table) Declared() bool { return len(t.Columns) > 0 }
