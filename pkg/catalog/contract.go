package catalog

import "strings"

// Contract says what a table does when its source's columns drift from its model:
// columns the model lacks (ExtraColumns), model columns the source lacks
// (MissingColumns) and columns the source types otherwise (TypeChanges). An empty
// key takes the next layer's: table, then source, then model, then DefaultContract.
type Contract struct {
	// ExtraColumns: ignore (not loaded, reported), evolve (loaded, typed as the
	// source has them) or fail.
	ExtraColumns string `json:"extra_columns,omitempty" yaml:"extra_columns"`
	// MissingColumns: fail, or null (a nullable column loads as NULL; a required one
	// still fails).
	MissingColumns string `json:"missing_columns,omitempty" yaml:"missing_columns"`
	// TypeChanges: cast (value by value, a value that does not convert is set aside
	// as type_<column>) or fail.
	TypeChanges string `json:"type_changes,omitempty" yaml:"type_changes"`
}

// Contract policies.
const (
	Ignore = "ignore"
	Evolve = "evolve"
	Fail   = "fail"
	Null   = "null"
	Cast   = "cast"
)

// DefaultContract is the contract of a table no layer says anything about.
var DefaultContract = Contract{ExtraColumns: Ignore, MissingColumns: Fail, TypeChanges: Cast}

// Over is c with each empty key taken from under.
func (c Contract) Over(under Contract) Contract {
	if c.ExtraColumns == "" {
		c.ExtraColumns = under.ExtraColumns
	}
	if c.MissingColumns == "" {
		c.MissingColumns = under.MissingColumns
	}
	if c.TypeChanges == "" {
		c.TypeChanges = under.TypeChanges
	}
	return c
}

// String is the contract as a spec writes it, its set keys only:
// "extra_columns: evolve, missing_columns: null".
func (c Contract) String() string {
	var keys []string
	for _, k := range []struct{ key, value string }{
		{"extra_columns", c.ExtraColumns}, {"missing_columns", c.MissingColumns}, {"type_changes", c.TypeChanges},
	} {
		if k.value != "" {
			keys = append(keys, k.key+": "+k.value)
		}
	}
	return strings.Join(keys, ", ")
}
