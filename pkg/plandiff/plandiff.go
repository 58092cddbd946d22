// Package plandiff compares two compiled plans of a pipeline, so a reviewer sees
// what a spec change does (tables, rules, sinks, modes and source added, removed
// or changed) rather than a YAML diff. It compares plans, not specs: a disabled
// built-in rule or a new sink that now writes a table shows where it takes effect.
// Rendering the diff is the CLI's business.
package plandiff

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// Change kinds.
const (
	Added   = "added"
	Removed = "removed"
	Changed = "changed"
)

// Diff is what changes from the old plan to the new one. Lists hold only what
// changed; an empty Diff means the plans do the same.
type Diff struct {
	Old       string  `json:"old"`
	New       string  `json:"new"`
	Pipeline  []Field `json:"pipeline,omitempty"`
	Source    []Field `json:"source,omitempty"`
	Warehouse []Field `json:"warehouse,omitempty"`
	Tables    []Table `json:"tables,omitempty"`
	Sinks     []Sink  `json:"sinks,omitempty"`
}

// Field is one setting's old and new value as text; "" means unset.
type Field struct {
	Name string `json:"name"`
	Old  string `json:"old,omitempty"`
	New  string `json:"new,omitempty"`
}

// Table is one table added, removed or changed. For an added or removed table,
// Fields give its settings and Rules its spec rules (built-in ones come with the
// table and are not listed); for a changed one, only what changed.
type Table struct {
	Name   string  `json:"name"`
	Change string  `json:"change"`
	Fields []Field `json:"fields,omitempty"`
	Rules  []Rule  `json:"rules,omitempty"`
}

// Rule is one rule added, removed or changed, in rules.Summary's words.
type Rule struct {
	Name    string `json:"name"`
	Change  string `json:"change"`
	Builtin bool   `json:"builtin,omitempty"`
	Old     string `json:"old,omitempty"`
	New     string `json:"new,omitempty"`
}

// Sink is one sink added, removed or changed.
type Sink struct {
	Name   string  `json:"name"`
	Change string  `json:"change"`
	Fields []Field `json:"fields,omitempty"`
}

// Empty reports whether the plans do the same.
func (d *Diff) Empty() bool {
	return len(d.Pipeline)+len(d.Source)+len(d.Warehouse)+len(d.Tables)+len(d.Sinks) == 0
}

// TableCounts tallies the changed tables by kind of change, for one-line summaries.
func (d *Diff) TableCounts() (added, changed, removed int) {
	for _, t := range d.Tables {
		added, changed, removed = tally(t.Change, added, changed, removed)
	}
	return
}

// SinkCounts tallies the changed sinks by kind of change.
func (d *Diff) SinkCounts() (added, changed, removed int) {
	for _, s := range d.Sinks {
		added, changed, removed = tally(s.Change, added, changed, removed)
	}
	return
}

func tally(change string, added, changed, removed int) (int, int, int) {
	switch change {
	case Added:
		added++
	case Changed:
		changed++
	case Removed:
		removed++
	}
	return added, changed, removed
}

// Compare lists what changes from old to new.
func Compare(old, new *spec.Plan) *Diff {
	d := &Diff{Old: old.Spec.File, New: new.Spec.File}
	d.Pipeline = fields(map[string]string{"name": old.Spec.Name}, map[string]string{"name": new.Spec.Name})
	d.Source = fields(settings(old.Spec.Source), settings(new.Spec.Source))
	d.Warehouse = fields(settings(old.Spec.Warehouse), settings(new.Spec.Warehouse))

	for _, name := range union(names(old.Tables, tableName), names(new.Tables, tableName)) {
		o, n := old.Table(name), new.Table(name)
		t := Table{Name: name}
		switch {
		case o == nil:
			t.Change = Added
			t.Fields = fields(nil, tableSettings(n))
			t.Rules = ruleChanges(nil, specRules(n.Rules))
		case n == nil:
			t.Change = Removed
			t.Fields = fields(tableSettings(o), nil)
			t.Rules = ruleChanges(specRules(o.Rules), nil)
		default:
			t.Change = Changed
			t.Fields = fields(tableSettings(o), tableSettings(n))
			t.Rules = ruleChanges(o.Rules, n.Rules)
			if len(t.Fields)+len(t.Rules) == 0 {
				continue
			}
		}
		d.Tables = append(d.Tables, t)
	}

	for _, name := range union(names(old.Spec.Sinks, sinkName), names(new.Spec.Sinks, sinkName)) {
		o, n := old.Sink(name), new.Sink(name)
		s := Sink{Name: name}
		switch {
		case o == nil:
			s.Change, s.Fields = Added, fields(nil, sinkSettings(*n))
		case n == nil:
			s.Change, s.Fields = Removed, fields(sinkSettings(*o), nil)
		default:
			s.Change, s.Fields = Changed, fields(sinkSettings(*o), sinkSettings(*n))
			if len(s.Fields) == 0 {
				continue
			}
		}
		d.Sinks = append(d.Sinks, s)
	}
	return d
}

// ruleChanges pairs rules by name: every effective rule is named, a spec's
// unnamed ones after their check and column.
func ruleChanges(old, new []rules.Rule) []Rule {
	byName := func(rs []rules.Rule) map[string]rules.Rule {
		m := map[string]rules.Rule{}
		for _, r := range rs {
			m[r.Name] = r
		}
		return m
	}
	om, nm := byName(old), byName(new)
	var out []Rule
	for _, name := range union(names(old, ruleName), names(new, ruleName)) {
		o, inOld := om[name]
		n, inNew := nm[name]
		switch {
		case !inOld:
			out = append(out, Rule{Name: name, Change: Added, Builtin: n.Builtin, New: rules.Summary(n)})
		case !inNew:
			out = append(out, Rule{Name: name, Change: Removed, Builtin: o.Builtin, Old: rules.Summary(o)})
		case ruleKey(o) != ruleKey(n):
			out = append(out, Rule{Name: name, Change: Changed, Builtin: n.Builtin, Old: rules.Summary(o), New: rules.Summary(n)})
		}
	}
	return out
}

// ruleKey is everything about a rule that changes what it checks (not where it is written).
func ruleKey(r rules.Rule) string {
	b, _ := json.Marshal(r) // Pos is not marshalled
	return string(b)
}

func specRules(rs []rules.Rule) []rules.Rule {
	return slices.DeleteFunc(slices.Clone(rs), func(r rules.Rule) bool { return r.Builtin })
}

// tableSettings are a table plan's settings other than its name and rules: the
// on_invalid mode, filter, limit, sinks and whatever a later version adds to the
// plan, which then shows up in diffs without a change here.
func tableSettings(t *spec.TablePlan) map[string]string {
	m := settings(t)
	delete(m, "name")
	delete(m, "rules")
	return m
}

func sinkSettings(s spec.Sink) map[string]string {
	m := settings(s)
	delete(m, "name")
	return m
}

// settings flattens a spec block to its JSON keys and values as text; nested
// blocks become dotted keys ("incremental.cursor"), so each setting diffs alone.
func settings(v any) map[string]string {
	b, err := json.Marshal(v)
	if err != nil {
		return map[string]string{"error": err.Error()}
	}
	m := map[string]string{}
	flatten(m, "", b)
	return m
}

func flatten(m map[string]string, prefix string, b json.RawMessage) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(b, &obj) != nil || (prefix != "" && obj == nil) {
		m[prefix] = text(b)
		return
	}
	for k, v := range obj {
		if prefix != "" {
			k = prefix + "." + k
		}
		flatten(m, k, v)
	}
}

// text shows a JSON value plainly: strings bare, lists of strings comma-separated.
func text(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return strings.Join(list, ", ")
	}
	if string(raw) == "null" {
		return ""
	}
	return string(raw)
}

// fields lists the keys whose values differ, "kind" and "name" first, then by name.
func fields(old, new map[string]string) []Field {
	var keys []string
	for k := range old {
		keys = append(keys, k)
	}
	for k := range new {
		if _, ok := old[k]; !ok {
			keys = append(keys, k)
		}
	}
	rank := func(k string) int { return cmp.Or(map[string]int{"kind": -2, "name": -1}[k], 0) }
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b)) })
	var out []Field
	for _, k := range keys {
		if old[k] != new[k] {
			out = append(out, Field{Name: k, Old: old[k], New: new[k]})
		}
	}
	return out
}

func tableName(t spec.TablePlan) string { return t.Name }
func sinkName(s spec.Sink) string       { return s.Name }
func ruleName(r rules.Rule) string      { return r.Name }

func names[T any](items []T, name func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = name(it)
	}
	return out
}

// union keeps the new order and puts what only the old had after it, in its
// old order, so a diff reads in the order of the spec under review.
func union(old, new []string) []string {
	out := slices.Clone(new)
	for _, o := range old {
		if !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out
}
