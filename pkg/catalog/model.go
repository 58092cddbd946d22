// Package catalog holds table models: a table's columns with their BigQuery types,
// its key and its built-in rules. The seven tables of
// bigquery-public-data.thelook_ecommerce are its built-in declarations
// (thelook.yaml, in the format a spec declares its own tables in); a spec's
// declared table is built by NewModel. The generator, validation, the BigQuery
// source and plan all read their models from here.
package catalog

import (
	"slices"

	"github.com/ecomrun/ecomrun/pkg/rules"
)

// Type is a column's BigQuery type.
type Type string

// The BigQuery types a model may use. Each maps to a DuckDB type (Type.DuckDB) and
// converts from text exactly as the files source reads it.
const (
	Int64     Type = "INT64"
	Float64   Type = "FLOAT64"
	Numeric   Type = "NUMERIC"
	Bool      Type = "BOOL"
	String    Type = "STRING"
	Bytes     Type = "BYTES"
	Date      Type = "DATE"
	Datetime  Type = "DATETIME"
	Timestamp Type = "TIMESTAMP"
	// Geography values travel as WKT text, "POINT(lon lat)".
	Geography Type = "GEOGRAPHY"
	JSON      Type = "JSON"
)

// Types lists every column type a model may use, in the order the docs list them.
var Types = []Type{Int64, Float64, Numeric, Bool, String, Bytes, Date, Datetime, Timestamp, Geography, JSON}

// DuckDB returns the warehouse type that holds the BigQuery type.
func (t Type) DuckDB() string {
	switch t {
	case Int64:
		return "BIGINT"
	case Float64:
		return "DOUBLE"
	case Timestamp:
		return "TIMESTAMPTZ"
	case Numeric:
		return "DECIMAL(38,9)" // BigQuery's NUMERIC: 38 digits, 9 after the point
	case Bool:
		return "BOOLEAN"
	case Bytes:
		return "BLOB"
	case Date:
		return "DATE"
	case Datetime:
		return "TIMESTAMP" // a civil date and time, no zone
	case JSON:
		return "JSON"
	}
	return "VARCHAR"
}

// Column is one column of a model.
type Column struct {
	Name string
	Type Type
	// Required columns are never NULL; every other column may be.
	Required bool
}

// Model is a table's shape and its built-in rules.
type Model struct {
	Table   string
	Key     string
	Columns []Column
	Rules   []rules.Rule
	// Contract is the model's own word on drift (see Contract.Over); mostly empty.
	Contract Contract
}

// Column returns the named column and whether it exists.
func (m *Model) Column(name string) (Column, bool) {
	i := slices.IndexFunc(m.Columns, func(c Column) bool { return c.Name == name })
	if i < 0 {
		return Column{}, false
	}
	return m.Columns[i], true
}

// ColumnNames lists the model's columns in order.
func (m *Model) ColumnNames() []string {
	names := make([]string, len(m.Columns))
	for i, c := range m.Columns {
		names[i] = c.Name
	}
	return names
}

// NewModel is a declared model: its columns, and as its built-in rules a not_null
// per required column (<column>_not_null) and, with a key, a unique on it
// (<key>_unique). The built-in models derive theirs the same way.
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

// FromBigQuery is the model type of a BigQuery table's field, by the API's name of
// its type (INTEGER, FLOAT, BOOLEAN, ... or the standard names); false for a field
// no model type holds (RECORD, TIME, INTERVAL, RANGE, a repeated field).
func FromBigQuery(fieldType string, repeated bool) (Type, bool) {
	if repeated {
		return "", false
	}
	switch fieldType {
	case "INTEGER", "INT64":
		return Int64, true
	case "FLOAT", "FLOAT64":
		return Float64, true
	case "BOOLEAN", "BOOL":
		return Bool, true
	}
	if t := Type(fieldType); slices.Contains(Types, t) {
		return t, true
	}
	return "", false
}
