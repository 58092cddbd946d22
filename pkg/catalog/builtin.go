package catalog

import (
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"slices"

	"github.com/goccy/go-yaml"

	"github.com/ecomrun/ecomrun/pkg/rules"
)

// thelookYAML declares the seven thelook tables as a spec declares a table (name,
// key, columns, rules), plus one key a spec does not have: a rule marked
// `optional: true` is off until a spec's enable: switches it on (the relationships).
// Every rule is named, and its name is what disable: and enable: refer to.
//
//go:embed thelook.yaml
var thelookYAML []byte

// Tables lists the built-in tables in dependency order (the order of thelook.yaml):
// a table comes after the tables its foreign keys point to.
var Tables []string

// Lookup returns the built-in model of a table, or nil.
func Lookup(table string) *Model { return builtin[table] }

var builtin map[string]*Model

func init() {
	models, err := parse(thelookYAML)
	if err != nil {
		panic(fmt.Sprintf("catalog: thelook.yaml: %v", err))
	}
	builtin = map[string]*Model{}
	for _, m := range models {
		Tables = append(Tables, m.Table)
		builtin[m.Table] = m
	}
}

// The declarations' format: a spec's table, reduced to what a model holds.
type (
	declFile struct {
		Tables []declTable `yaml:"tables"`
	}
	declTable struct {
		Name    string       `yaml:"name"`
		Key     string       `yaml:"key"`
		Columns []declColumn `yaml:"columns"`
		Rules   []declRule   `yaml:"rules"`
		// Contract is the model's default contract (see Contract).
		Contract Contract `yaml:"contract"`
	}
	declColumn struct {
		Name     string `yaml:"name"`
		Type     string `yaml:"type"`
		Required bool   `yaml:"required"`
	}
	declRule struct {
		Name     string `yaml:"name"`
		Check    string `yaml:"check"`
		Severity string `yaml:"severity"`
		Column   string `yaml:"column"`
		Values   []any  `yaml:"values"`
		Min      any    `yaml:"min"`
		Max      any    `yaml:"max"`
		Pattern  string `yaml:"pattern"`
		SQL      string `yaml:"sql"`
		To       string `yaml:"to"`
		Optional bool   `yaml:"optional"`
	}
)

// parse reads declarations into models, in the order written. Unknown keys, unknown
// types or checks, unnamed or repeated rules and references to undeclared columns
// are errors.
func parse(b []byte) ([]*Model, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b), yaml.DisallowUnknownField())
	var f declFile
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	var models []*Model
	seen := map[string]bool{}
	for _, t := range f.Tables {
		if t.Name == "" || seen[t.Name] {
			return nil, fmt.Errorf("table %q: no name, or declared twice", t.Name)
		}
		seen[t.Name] = true
		m, err := build(t)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", t.Name, err)
		}
		models = append(models, m)
	}
	if len(models) == 0 {
		return nil, fmt.Errorf("no tables")
	}
	return models, nil
}

func build(t declTable) (*Model, error) {
	if len(t.Columns) == 0 {
		return nil, fmt.Errorf("no columns")
	}
	cols := make([]Column, len(t.Columns))
	for i, c := range t.Columns {
		if !slices.Contains(Types, Type(c.Type)) {
			return nil, fmt.Errorf("column %q: unknown type %q", c.Name, c.Type)
		}
		cols[i] = Column{Name: c.Name, Type: Type(c.Type), Required: c.Required}
	}
	m := NewModel(t.Name, t.Key, cols)
	m.Contract = t.Contract
	if _, ok := m.Column(t.Key); !ok {
		return nil, fmt.Errorf("key %q is not a column", t.Key)
	}
	for _, d := range t.Rules {
		for i := range d.Values {
			d.Values[i] = whole(d.Values[i])
		}
		r := rules.Rule{Name: d.Name, Check: d.Check, Severity: d.Severity, Column: d.Column, Values: d.Values,
			Min: whole(d.Min), Max: whole(d.Max), Pattern: d.Pattern, SQL: d.SQL, To: d.To, Optional: d.Optional, Builtin: true}
		if r.Severity == "" {
			r.Severity = rules.SeverityError
		}
		if err := checkRule(m, r); err != nil {
			return nil, fmt.Errorf("rule %q: %w", r.Name, err)
		}
		m.Rules = append(m.Rules, r)
	}
	return m, nil
}

// whole makes a whole number an int, as a spec's rules have them (the decoder gives
// uint64 or int64).
func whole(v any) any {
	switch n := v.(type) {
	case uint64:
		if n <= math.MaxInt {
			return int(n)
		}
	case int64:
		if n >= math.MinInt && n <= math.MaxInt {
			return int(n)
		}
	}
	return v
}

func checkRule(m *Model, r rules.Rule) error {
	switch {
	case r.Name == "":
		return fmt.Errorf("no name")
	case slices.ContainsFunc(m.Rules, func(o rules.Rule) bool { return o.Name == r.Name }):
		return fmt.Errorf("named twice")
	case !slices.Contains(rules.Checks, r.Check):
		return fmt.Errorf("unknown check %q", r.Check)
	case r.Severity != rules.SeverityError && r.Severity != rules.SeverityWarn:
		return fmt.Errorf("unknown severity %q", r.Severity)
	}
	if r.Column != "" {
		if _, ok := m.Column(r.Column); !ok {
			return fmt.Errorf("column %q is not declared", r.Column)
		}
	}
	return nil
}
