package spec

import (
	"fmt"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/rules"
)

// ruleArg is one argument of a rule that DuckDB compares with the column's values.
type ruleArg struct {
	name string // min, max, values[1]
	path []any
	v    any
	// only is the rule with this argument alone.
	only rules.Rule
}

// ruleArgs checks the arguments of a range, accepted_values or pattern rule
// against its column, as validation runs the rule in DuckDB: a bound or value that
// is no value of the column's type (min: "abc" on an INT64 column), a pattern
// DuckDB does not compile, and bounds in the wrong order once read in the column's
// type (min: "10" above max: "9" on an INT64 column). Each is reported at the
// argument. A rule whose column is unknown has been reported.
func (c *checker) ruleArgs(m *catalog.Model, r rules.Rule, at func(string) []any) {
	col, ok := m.Column(r.Column)
	if !c.rulesInDuckDB() || !ok || !bindable(m) {
		return
	}
	var args []ruleArg
	switch r.Check {
	case rules.Range:
		for _, b := range []struct {
			key string
			v   any
		}{{"min", r.Min}, {"max", r.Max}} {
			if b.v == nil {
				continue
			}
			only := r
			only.Min, only.Max = nil, nil
			if b.key == "min" {
				only.Min = b.v
			} else {
				only.Max = b.v
			}
			args = append(args, ruleArg{b.key, at(b.key), b.v, only})
		}
	case rules.AcceptedValues:
		for k, v := range r.Values {
			only := r
			only.Values = []any{v}
			args = append(args, ruleArg{fmt.Sprintf("values[%d]", k), append(at("values"), k), v, only})
		}
	}
	if len(args) == 0 && r.Check != rules.Pattern {
		return // the schema has reported it
	}
	typ := fmt.Sprintf("%s column %s", col.Type, col.Name)
	if textual(col.Type) {
		// DuckDB would cast the column's text to the constant's type: the rule would
		// fail the run on the first value that is not a number (or a boolean) rather
		// than break on it. A quoted constant compares as text.
		refused := false
		for _, a := range args {
			if _, ok := a.v.(string); !ok {
				c.report(r.Pos, a.path, fmt.Sprintf("quote it (%q) to compare it with the column's text", fmt.Sprint(a.v)),
					"%s %s is a %s, but %s holds text: DuckDB would read every value of the column as a %s, and fail the run on the first that is not one",
					a.name, display(a.v), kindOf(a.v), typ, kindOf(a.v))
				refused = true
			}
		}
		if refused {
			return
		}
	}
	err := c.bind.rule(m, r) // as validation compiles it
	if err == nil {
		c.boundsOrder(r, col, at)
		return
	}
	if c.bind.err != nil {
		c.report(r.Pos, at("check"), "", "rule %s cannot be checked: %v", r.Name, err)
		return
	}
	found := false
	for _, a := range args {
		if err := c.bind.rule(m, a.only); err != nil {
			msg, detail := engineMessage(err)
			c.report(r.Pos, a.path, detail, "%s %s is not a value of %s: %s", a.name, display(a.v), typ, msg)
			found = true
		}
	}
	msg, detail := engineMessage(err)
	switch {
	case found:
	case r.Check == rules.Pattern: // Go's regexp took it, DuckDB's RE2 does not
		c.report(r.Pos, at("pattern"), "patterns use RE2 syntax, as DuckDB's regexp_full_match", "pattern does not compile in DuckDB: %s", msg)
	default:
		c.report(r.Pos, at("check"), detail, "rule %s on %s: DuckDB refuses it: %s", r.Name, typ, msg)
	}
}

// boundsOrder reports a range's min above its max when the two are compared as
// values of the column's type, for the pairs rules.Greater cannot read (a bound given as
// text): min: "10" is below max: "9" as text, above as numbers.
func (c *checker) boundsOrder(r rules.Rule, col catalog.Column, at func(string) []any) {
	_, textMin := r.Min.(string)
	_, textMax := r.Max.(string)
	if r.Check != rules.Range || r.Min == nil || r.Max == nil || !textMin && !textMax || rules.Greater(r.Min, r.Max) {
		return // rules.Greater has decided it
	}
	if gt, err := c.bind.greater(r.Min, r.Max, col.Type.DuckDB()); err == nil && gt {
		c.report(r.Pos, at("min"), fmt.Sprintf("compared as values of %s column %s", col.Type, col.Name),
			"min %s is greater than max %s", display(r.Min), display(r.Max))
	}
}

// textual says whether the column's DuckDB values are text: a constant of another
// kind makes DuckDB cast the column, not the constant.
func textual(t catalog.Type) bool {
	return t.DuckDB() == "VARCHAR" || t == catalog.JSON
}

// kindOf names the kind of a YAML scalar that is not a string.
func kindOf(v any) string {
	if _, ok := v.(bool); ok {
		return "boolean"
	}
	return "number"
}
