package spec

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/catalog"
)

// declaration checks what a table says of its own model: columns with unique names
// and known types, and a key among them. Whether its source can serve such a table
// is the source kind's Check.
func (c *checker) declaration(i int, t *Table) {
	at := func(keys ...any) []any { return append([]any{"tables", i}, keys...) }
	if !t.Declared() {
		if t.Key != "" {
			c.report(t.Pos, at("key"), "a built-in model has its key: declare columns to choose another", "key applies to a table that declares its columns")
		}
	} else {
		seen := map[string]bool{}
		var names []string
		for j, col := range t.Columns {
			if seen[col.Name] {
				c.report(t.Pos, at("columns", j, "name"), "", "duplicate column %q in table %s", col.Name, t.Name)
			}
			seen[col.Name] = true
			names = append(names, col.Name)
			if reservedColumn(col.Name) {
				c.report(t.Pos, at("columns", j, "name"), "ecomrun adds columns of these names to the quarantine and its working tables: rename it",
					"column name %q is reserved", col.Name)
			}
			if col.Type != "" && !slices.Contains(catalog.Types, catalog.Type(strings.ToUpper(col.Type))) {
				c.report(t.Pos, at("columns", j, "type"), "types: "+typeNames(), "unknown type %q", col.Type)
			}
		}
		if t.Key != "" && !seen[t.Key] {
			c.report(t.Pos, at("key"), columnsOf(t.Name, names), "key %q is not a declared column of table %s%s", t.Key, t.Name, DidYouMean(t.Key, names))
		}
	}
}

// reservedColumn is a name ecomrun gives columns of its own: a quarantine's
// _violations, _run_id and _source_* and the working columns (_ecomrun_*, the
// rule pass's _row, _reject and _flag_*).
func reservedColumn(name string) bool {
	switch name {
	case "_violations", "_run_id", "_row", "_reject", "_raw":
		return true
	}
	return strings.HasPrefix(name, "_source_") || strings.HasPrefix(name, "_ecomrun") || strings.HasPrefix(name, "_flag_")
}

func typeNames() string {
	names := make([]string, len(catalog.Types))
	for i, t := range catalog.Types {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

var columnNameRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,127}$`)

// CheckColumnName is nil when a name (lower-cased) may name a column the run adds
// to a table, as extra_columns: evolve does: an identifier a spec could declare.
func CheckColumnName(name string) error {
	switch l := strings.ToLower(name); {
	case !columnNameRE.MatchString(l):
		return fmt.Errorf("%q is not an identifier (letters, digits and underscores, at most 128)", name)
	case reservedColumn(l):
		return fmt.Errorf("%q is a name ecomrun reserves for columns of its own", name)
	}
	return nil
}
