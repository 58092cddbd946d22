package thelook

import "github.com/ecomrun/ecomrun/pkg/rules"

// The BigQuery types a declared table may use besides those of thelook's own
// columns (model.go). Each maps to a DuckDB type (Type.DuckDB) and converts from
// text exactly as the files source reads it.
const (
	Numeric  Type = "NUMERIC"
	Bool     Type = "BOOL"
	Bytes    Type = "BYTES"
	Date     Type = "DATE"
	Datetime Type = "DATETIME"
	JSON     Type = "JSON"
)

// Types lists every column type a model may use, in the order the docs list them.
var Types = []Type{Int64, Float64, Numeric, Bool, String, Bytes, Date, Datetime, Timestamp, Geography, JSON}

// NewModel is a model declared in a spec: its columns, and as its built-in rules a
// not_null per required column and, with a key, a unique on it, exactly as the
// thelook models derive theirs.
func NewModel(table, key string, columns []Column) *Model {
	m := &Model{Table: table, Key: key, Columns: columns}
	for _, c := range columns {
		if c.Required {
			m.Rules = append(m.Rules, rules.Rule{Name: c.Name + "_not_null", Check: rules.NotNull, Column: c.Name})
		}
	}
	if key != "" {
		m.Rules = append(m.Rules, rules.Rule{Name: key + "_unique", Check: rules.Unique, Column: key})
	}
	for i := range m.Rules {
		m.Rules[i].Builtin = true
		m.Rules[i].Severity = rules.SeverityError
	}
	return m
}
