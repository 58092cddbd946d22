package spec

import (
	"slices"

	"github.com/ecomrun/ecomrun/pkg/catalog"
)

// onDuplicate checks a table's on_duplicate: keep_first acts on the key's unique
// rule, so the table needs a key whose rule is on, and it needs an order of the rows
// to tell the first copy, which rules run inside BigQuery (validate: bigquery) do not
// have: a BigQuery table has no order, and the staged rows' order exists only locally.
func (c *checker) onDuplicate(i int, t *Table, m *catalog.Model) {
	if t.OnDuplicate != OnDuplicateKeepFirst {
		return
	}
	at := []any{"tables", i, "on_duplicate"}
	switch {
	case m.Key == "":
		c.report(t.Pos, at, "declare the table's key (key: on the table); keep_first keeps the first row of each key",
			"on_duplicate: keep_first needs a key, and table %s has none", t.Name)
	case slices.Contains(t.Disable, m.Key+"_unique"):
		c.report(t.Pos, at, "keep_first changes what the rule does with a repeated key; enable the rule, or leave on_duplicate out",
			"on_duplicate: keep_first acts on rule %s_unique, which disable turns off", m.Key)
	case c.s.Source.Kind == "bigquery" && c.s.Source.Validate == "bigquery":
		c.report(t.Pos, at, "use validate: local: the rows are staged in a stable order and the first copy of each key loads",
			"on_duplicate: keep_first cannot run under validate: bigquery: a BigQuery table has no order to tell the first copy of a key")
	}
}
