// Package rules describes validation rules, built-in or written in a spec, and
// compiles a table's rules into one vectorised DuckDB SQL pass.
package rules

import "github.com/ecomrun/ecomrun/pkg/diag"

// Check kinds a rule can be.
const (
	NotNull        = "not_null"
	Unique         = "unique"
	AcceptedValues = "accepted_values"
	Range          = "range"
	Pattern        = "pattern"
	Expression     = "expression"
	Relationship   = "relationship"
	RowCount       = "row_count"
	// TypeCheck marks a value that does not parse as its column's type; the engine adds
	// one per column for untyped sources, a spec cannot write it.
	TypeCheck = "type"
	// Duplicate marks a later copy, in source order, of a key seen before: the key's
	// unique rule becomes it under on_duplicate: keep_first. A spec cannot write it.
	Duplicate = "duplicate"
)

// Severities.
const (
	SeverityError = "error"
	SeverityWarn  = "warn"
)

// Rule is one check on a table. Which fields matter depends on Check.
type Rule struct {
	Name     string `json:"name"`
	Check    string `json:"check"`
	Severity string `json:"severity"` // error (default) or warn
	Column   string `json:"column,omitempty"`
	// Values for accepted_values: strings, integers, floats or booleans.
	Values []any `json:"values,omitempty"`
	// Min and Max for range (numbers, or strings for timestamps) and row_count (integers); nil means open.
	Min any `json:"min,omitempty"`
	Max any `json:"max,omitempty"`
	// Pattern is a regular expression (RE2 syntax, as DuckDB's regexp_full_match) for pattern.
	Pattern string `json:"pattern,omitempty"`
	// SQL is a boolean expression over the row's own columns for expression; true means valid.
	SQL string `json:"sql,omitempty"`
	// To names the referenced "table.column" for relationship.
	To string `json:"to,omitempty"`
	// Optional built-in rules are off until a spec enables them by name (relationships).
	Optional bool `json:"-"`
	// Builtin marks a rule that comes from the table's model rather than the spec.
	Builtin bool `json:"builtin,omitempty"`

	Pos diag.Pos `json:"-"`
}

// IsWarn reports whether a broken rule only counts and keeps the row.
func (r Rule) IsWarn() bool { return r.Severity == SeverityWarn }
