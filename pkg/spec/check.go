package spec

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/diag"
	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/sqlexpr"
)

// check runs the checks a JSON Schema cannot express: names against the built-in
// models and against each other, regular expressions, bounds, and relationship cycles.
// It reports every problem, and skips values the schema or the interpolation has
// already reported, so one mistake gives one diagnostic. doc is nil for a Spec built
// in Go; positions then come from the Pos fields. b puts what the spec hands DuckDB
// before DuckDB (binder); nil leaves that to the run (Compile, after Load has done it).
func check(s *Spec, doc *document, b *binder) diag.Diagnostics {
	c := &checker{s: s, doc: doc, edges: map[string][]edge{}, bind: b}
	c.settings()
	c.tableNames()
	c.kinds()
	for i := range s.Tables {
		c.table(i)
	}
	c.sinks()
	c.contracts()
	c.paths()
	c.cycles()
	return c.diags
}

type checker struct {
	s   *Spec
	doc *document
	// inSpec maps each table name of the spec to its first index; order lists them.
	inSpec map[string]int
	order  []string
	// edges are the relationships between tables: a table's validation reads the tables it references.
	edges map[string][]edge
	// sourceConfig and sinkConfigs are the blocks' configs with their defaults,
	// nil for an unknown kind (kinds).
	sourceConfig SourceConfig
	sinkConfigs  []SinkConfig
	diags        diag.Diagnostics
	bind         *binder // nil: conditions are not bound
}

// edge is a relationship from one table to another, and where it is written.
type edge struct {
	to       string
	fallback diag.Pos
	path     []any
}

// where is the position of the value at path, and false when it is already reported.
func (c *checker) where(fallback diag.Pos, path []any) (diag.Pos, bool) {
	if c.doc == nil {
		return fallback, true
	}
	n, _ := c.doc.lookup(path...)
	return c.doc.pos(n), !c.doc.bad[n]
}

func (c *checker) report(fallback diag.Pos, path []any, detail, format string, args ...any) {
	if pos, ok := c.where(fallback, path); ok {
		c.diags = append(c.diags, diag.Diagnostic{Severity: diag.Error, Pos: pos, Message: fmt.Sprintf(format, args...), Detail: detail})
	}
}

// firstAt says where an earlier definition is, for "duplicate" messages.
func (c *checker) firstAt(fallback diag.Pos, path []any) string {
	if pos, _ := c.where(fallback, path); pos.Line > 0 {
		return fmt.Sprintf("first defined at line %d", pos.Line)
	}
	return ""
}

func (c *checker) tableNames() {
	c.inSpec = map[string]int{}
	for i, t := range c.s.Tables {
		at := []any{"tables", i, "name"}
		if t.Name == "" {
			continue // the schema has reported it
		}
		if first, dup := c.inSpec[t.Name]; dup {
			c.report(t.Pos, at, c.firstAt(c.s.Tables[first].Pos, []any{"tables", first, "name"}), "duplicate table %q", t.Name)
			continue
		}
		c.inSpec[t.Name] = i
		c.order = append(c.order, t.Name)
		if c.s.Model(t.Name) == nil {
			hint, detail := DidYouMean(t.Name, catalog.Tables), "declare its columns to load a table of your own"
			if hint == "" {
				detail = "thelook's tables are " + strings.Join(catalog.Tables, ", ") + "; " + detail
			}
			if len(c.s.Models) > 0 {
				detail += "; no model file of models declares it"
			}
			c.report(t.Pos, at, detail, "unknown table %q%s", t.Name, hint)
		}
	}
}

func (c *checker) table(i int) {
	t := &c.s.Tables[i]
	c.declaration(i, t)
	m := c.s.Model(t.Name)
	if m == nil {
		return // reported as an unknown table
	}
	c.switches(i, t, m)
	_, errs := incremental(*t, m)
	for _, e := range errs {
		c.report(t.Pos, []any{"tables", i, e.key}, "", "%s", e.msg)
	}
	first := c.inSpec[t.Name] == i
	builtin := map[string]bool{}
	for _, r := range BuiltinRules(*t, m) {
		builtin[r.Name] = true
		if first {
			c.edge(t, r, []any{"tables", i, "enable", slices.Index(t.Enable, r.Name)})
		}
	}
	seen := map[string]int{}
	for j, r := range t.Rules {
		at := func(field string) []any { return []any{"tables", i, "rules", j, field} }
		r = withDefaults(r, j+1)
		c.rule(t, m, r, at)
		if first {
			c.edge(t, r, at("to"))
		}
		switch earlier, dup := seen[r.Name]; {
		case r.Name == "":
		case builtin[r.Name]:
			c.report(r.Pos, at("name"), "rename it, or disable the built-in rule",
				"rule %q of table %s has the name of a built-in rule", r.Name, t.Name)
		case dup:
			detail := "rules without a name are named <check>_<column>"
			if first := c.firstAt(t.Rules[earlier].Pos, []any{"tables", i, "rules", earlier, "name"}); first != "" {
				detail += "; " + first
			}
			c.report(r.Pos, at("name"), detail, "duplicate rule %q in table %s", r.Name, t.Name)
		default:
			seen[r.Name] = j
		}
	}
	if t.Where != "" {
		// A source that reads with a query of its own receives the condition in its
		// dialect (WhereDialect): it must have a translation.
		dialect := sqlexpr.DuckDB
		if d, ok := c.sourceConfig.(WhereDialect); ok {
			dialect = d.WhereDialect()
		}
		if err := rules.CheckCondition(t.Where, m.ColumnNames(), dialect); err != nil {
			c.report(t.Pos, []any{"tables", i, "where"}, "where is one SQL condition over the table's own columns", "where: %v", err)
		} else if dialect == sqlexpr.DuckDB { // a source with a dialect of its own runs its rendering
			c.bindCondition(m, t.Where, t.Pos, []any{"tables", i, "where"}, "where")
		}
	}
	c.onDuplicate(i, t, m)
	c.sourceTableKeys(i, t)
}

// switches checks the disable and enable lists: each names a built-in rule, enable
// only optional ones, and an enabled relationship only a table of the spec.
func (c *checker) switches(i int, t *Table, m *catalog.Model) {
	names := make([]string, len(m.Rules))
	var optional []string
	for k, r := range m.Rules {
		names[k] = r.Name
		if r.Optional {
			optional = append(optional, r.Name)
		}
	}
	for k, name := range t.Disable {
		c.builtinName(t, names, name, []any{"tables", i, "disable", k})
	}
	for k, name := range t.Enable {
		at := []any{"tables", i, "enable", k}
		j := slices.Index(names, name)
		switch {
		case j < 0:
			c.builtinName(t, names, name, at)
		case !m.Rules[j].Optional:
			c.report(t.Pos, at, "optional rules of "+t.Name+": "+orNone(optional),
				"built-in rule %q of table %s is always on; enable switches on optional rules only", name, t.Name)
		case m.Rules[j].Check == rules.Relationship:
			to, column, _ := strings.Cut(m.Rules[j].To, ".")
			if !c.has(to) {
				c.report(t.Pos, at, "add "+to+" to tables, or leave the rule off",
					"rule %q references table %s, which is not in this pipeline", name, to)
			} else if target := c.s.Model(to); target != nil {
				if _, ok := target.Column(column); !ok { // a model file's relationship, checked once it is on
					c.report(t.Pos, at, columnsOf(to, target.ColumnNames()), "rule %q references %q: unknown column %q in table %s",
						name, m.Rules[j].To, column, to)
				}
			}
		}
	}
}

// has reports whether the spec lists the table.
func (c *checker) has(table string) bool {
	_, ok := c.inSpec[table]
	return ok
}

// edge records a relationship rule of table t to another table of the spec.
func (c *checker) edge(t *Table, r rules.Rule, at []any) {
	to, _, _ := strings.Cut(r.To, ".")
	if r.Check == rules.Relationship && to != t.Name && c.has(to) {
		c.edges[t.Name] = append(c.edges[t.Name], edge{to, r.Pos, at})
	}
}

// builtinName reports a disable or enable entry that names no built-in rule.
func (c *checker) builtinName(t *Table, builtin []string, name string, at []any) {
	if slices.Contains(builtin, name) {
		return
	}
	hint, detail := DidYouMean(name, builtin), ""
	if hint == "" {
		detail = "built-in rules of " + t.Name + ": " + strings.Join(builtin, ", ")
	}
	c.report(t.Pos, at, detail, "table %s has no built-in rule %q%s", t.Name, name, hint)
}

// rule checks one spec rule's column, what its check kind checks
// (rules.CheckKind.Check) and a relationship's table and column.
func (c *checker) rule(t *Table, m *catalog.Model, r rules.Rule, at func(string) []any) {
	if r.Column != "" {
		if _, ok := m.Column(r.Column); !ok {
			c.report(r.Pos, at("column"), columnsOf(t.Name, m.ColumnNames()), "unknown column %q in table %s%s", r.Column, t.Name, DidYouMean(r.Column, m.ColumnNames()))
		}
	}
	if k, ok := rules.Kind(r.Check); ok && k.Check != nil {
		if p := k.Check(r, m.ColumnNames()); p != nil {
			c.report(r.Pos, at(p.Key), p.Detail, "%s", p.Message)
			return // its arguments are wrong as written: nothing to bind
		}
	}
	// What passes the kind's own check goes before DuckDB, as the run would put it.
	switch r.Check {
	case rules.Pattern, rules.Range, rules.AcceptedValues:
		c.ruleArgs(m, r, at)
	case rules.Expression:
		if r.SQL != "" && c.rulesInDuckDB() {
			c.bindCondition(m, r.SQL, r.Pos, at("sql"), "sql")
		}
	}
	if r.Check == rules.Relationship {
		c.relationship(t, r, at("to"))
	}
}

func (c *checker) relationship(t *Table, r rules.Rule, at []any) {
	table, column, ok := strings.Cut(r.To, ".")
	if !ok {
		return // the schema has reported it
	}
	if !c.has(table) {
		hint, detail := DidYouMean(table, c.order), ""
		if catalog.Lookup(table) != nil {
			detail = "add " + table + " to tables"
		}
		c.report(r.Pos, at, detail, "relationship to %q: table %s is not in this pipeline%s", r.To, table, hint)
		return
	}
	if m := c.s.Model(table); m != nil {
		if _, ok := m.Column(column); !ok {
			c.report(r.Pos, at, columnsOf(table, m.ColumnNames()), "relationship to %q: unknown column %q in table %s%s", r.To, column, table, DidYouMean(column, m.ColumnNames()))
		}
	}
}

func (c *checker) sinks() {
	seen := map[string]int{}
	for i, k := range c.s.Sinks {
		if first, dup := seen[k.Name]; dup && k.Name != "" {
			c.report(k.Pos, []any{"sinks", i, "name"}, c.firstAt(c.s.Sinks[first].Pos, []any{"sinks", first, "name"}), "duplicate sink %q", k.Name)
		} else {
			seen[k.Name] = i
		}
		for j, name := range k.Tables {
			if !c.has(name) {
				c.report(k.Pos, []any{"sinks", i, "tables", j}, "", "sink %q names table %q, which is not in this pipeline%s", k.Name, name, DidYouMean(name, c.order))
			}
		}
	}
}

// cycles reports relationships that reference each other in a ring: a table's
// validation waits for the tables it references to be loaded, so a ring never starts.
// Tables are visited in spec order, so the report is the same on every run.
func (c *checker) cycles() {
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(t string)
	visit = func(t string) {
		state[t] = active
		stack = append(stack, t)
		for _, e := range c.edges[t] {
			switch state[e.to] {
			case active:
				ring := append(slices.Clone(stack[slices.Index(stack, e.to):]), e.to)
				c.report(e.fallback, e.path, "a table's rules run after the tables it references are loaded; disable one of these relationships",
					"relationship cycle: %s", strings.Join(ring, " -> "))
			case unseen:
				visit(e.to)
			}
		}
		stack = stack[:len(stack)-1]
		state[t] = done
	}
	for _, t := range c.order {
		if state[t] == unseen {
			visit(t)
		}
	}
}

// orNone lists names, or says there are none.
func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
