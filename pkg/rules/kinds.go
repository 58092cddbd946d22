package rules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// CheckKind is what a spec may write for one kind of check, in one place: the keys
// it takes besides name, check and severity, those it requires, the keys it
// narrows, what validate checks beyond the schema, and how plan shows a rule of
// it, and its SQL in each dialect. spec writes the schema's rule branches from
// Kinds and checks rules with them, and a test ties both to validate. (A
// relationship's reach into another table is spec's, which knows the tables.)
type CheckKind struct {
	Name string
	// Keys are the keys the check takes besides name, check and severity.
	Keys []string
	// Required are the keys it needs; OneOf keys of which it needs at least one.
	Required, OneOf []string
	// Counts are keys that take a count here (a whole number, at least 0), narrower
	// than the rule's own schema for them.
	Counts []string
	// Example is a rule of the kind for thelook's orders table, with users in the
	// spec, as a YAML flow mapping: the test that validates one of every kind writes it.
	Example string
	// Check says what is wrong with a rule of the kind that the schema cannot say,
	// given its table's columns; nil for nothing.
	Check func(r Rule, columns []string) *Problem
	// Args are a rule's arguments in a few words, for plan (Summary).
	Args func(r Rule) string
	// DuckDB and GoogleSQL render a row's breaking the rule as a condition over the
	// typed rows, for validation in DuckDB and under validate: bigquery
	// (kinds_sql.go); nil for a check of the table, not of a row (row_count).
	DuckDB    func(t Target, r Rule) (string, error)
	GoogleSQL func(t GoogleTarget, r Rule) (string, error)
}

// Problem is what a kind's Check finds wrong with a rule: the key it is about, the
// message and what to do.
type Problem struct {
	Key, Message, Detail string
}

// Kinds are the checks a spec may write, in the order the docs list them.
var Kinds = []CheckKind{
	{Name: NotNull, Keys: []string{"column"}, Required: []string{"column"}, Example: "{check: not_null, column: status}",
		DuckDB: duckNotNull, GoogleSQL: googleNotNull},
	{Name: Unique, Keys: []string{"column"}, Required: []string{"column"}, Example: "{check: unique, column: order_id}",
		DuckDB: duckUnique, GoogleSQL: googleUnique},
	{Name: AcceptedValues, Keys: []string{"column", "values"}, Required: []string{"column", "values"},
		Example: "{check: accepted_values, column: status, values: [Shipped]}", Args: func(r Rule) string {
			vals := make([]string, len(r.Values))
			for i, v := range r.Values {
				vals[i] = fmt.Sprint(v)
			}
			return r.Column + ": " + strings.Join(vals, ", ")
		}, DuckDB: duckAcceptedValues, GoogleSQL: googleAcceptedValues},
	{Name: Range, Keys: []string{"column", "min", "max"}, Required: []string{"column"}, OneOf: []string{"min", "max"},
		Example: "{check: range, column: num_of_item, min: 1}", Check: boundsInOrder, Args: bounds,
		DuckDB: duckRange, GoogleSQL: googleRange},
	{Name: Pattern, Keys: []string{"column", "pattern"}, Required: []string{"column", "pattern"},
		Example: `{check: pattern, column: status, pattern: "[A-Z].*"}`, Check: func(r Rule, _ []string) *Problem {
			if _, err := regexp.Compile(r.Pattern); err != nil {
				return &Problem{"pattern", "pattern does not compile: " + strings.TrimPrefix(err.Error(), "error parsing regexp: "),
					"patterns use RE2 syntax, as DuckDB's regexp_full_match"}
			}
			return nil
		}, Args: func(r Rule) string { return r.Column + " ~ " + r.Pattern },
		DuckDB: duckPattern, GoogleSQL: googlePattern},
	{Name: Expression, Keys: []string{"sql"}, Required: []string{"sql"},
		Example: `{check: expression, sql: "num_of_item > 0"}`, Check: func(r Rule, columns []string) *Problem {
			if err := CheckExpression(r.SQL, columns); err != nil && r.SQL != "" {
				return &Problem{"sql", "sql: " + err.Error(), "an expression rule is one boolean SQL condition over the row's own columns"}
			}
			return nil
		}, Args: func(r Rule) string { return r.SQL },
		DuckDB: duckExpression, GoogleSQL: googleExpression},
	{Name: Relationship, Keys: []string{"column", "to"}, Required: []string{"column", "to"},
		Example: "{check: relationship, column: user_id, to: users.id}", Args: func(r Rule) string { return r.Column + " -> " + r.To },
		DuckDB: duckRelationship, GoogleSQL: googleRelationship},
	{Name: RowCount, Keys: []string{"min", "max"}, OneOf: []string{"min", "max"}, Counts: []string{"min", "max"},
		Example: "{check: row_count, min: 1}", Check: boundsInOrder, Args: bounds},
}

// Checks lists the kinds a spec may write, in the order the docs list them.
var Checks = func() []string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = k.Name
	}
	return names
}()

// Kind returns the check kind of that name.
func Kind(name string) (CheckKind, bool) {
	for _, k := range Kinds {
		if k.Name == name {
			return k, true
		}
	}
	return CheckKind{}, false
}

// Summary says what a rule checks in one line, e.g. "range(num_of_item: 1..4)":
// its kind's arguments, else its column.
func Summary(r Rule) string {
	arg := r.Column
	if k, ok := Kind(r.Check); ok && k.Args != nil {
		arg = k.Args(r)
	}
	s := r.Check + "(" + arg + ")"
	if r.IsWarn() {
		s += " warn"
	}
	return s
}

// bounds are a range's or a row count's bounds, "min..max", either may be open.
func bounds(r Rule) string {
	show := func(v any) string {
		if v == nil {
			return ""
		}
		return fmt.Sprint(v)
	}
	arg := show(r.Min) + ".." + show(r.Max)
	if r.Column != "" {
		arg = r.Column + ": " + arg
	}
	return arg
}

// boundsInOrder refuses a min above the max, when both are numbers or both
// timestamps; other pairs are left for the engine.
func boundsInOrder(r Rule, _ []string) *Problem {
	if Greater(r.Min, r.Max) {
		return &Problem{Key: "min", Message: fmt.Sprintf("min %s is greater than max %s", display(r.Min), display(r.Max))}
	}
	return nil
}

// Greater says whether bound a is above bound b, both numbers or both timestamps as a
// spec writes them; false when they cannot be compared so.
func Greater(a, b any) bool {
	if x, ok := toFloat(a); ok {
		y, ok := toFloat(b)
		return ok && x > y
	}
	x, okA := toTime(a)
	y, okB := toTime(b)
	return okA && okB && x.After(y)
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"}

func toTime(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// display shows a bound as a spec writes it: text quoted.
func display(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}
