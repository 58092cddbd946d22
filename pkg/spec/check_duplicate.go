package spec

import (
	"slices"

	"github.com/ecomrun/ecomrun/pkg/catalog"
)

// onDuplicate checks a table's on_duplicate: keep_first acts on the key's unique
// rule, so the table needs a key whose rule is on. (It also needs an order of the
// rows to tell the first copy, which a source that runs the rules itself may not
// have: that is the source kind's Check.)
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
	}
}
