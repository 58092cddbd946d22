package spec

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/catalog"
)

// declaration checks what a table says of its own model: columns with unique names
// and known types, a key among them, and a source that can serve the table (the
// generator makes only thelook's seven tables); path and table only for the source
// that reads them.
func (c *checker) declaration(i int, t *Table) {
	at := func(keys ...any) []any { return append([]any{"tables", i}, keys...) }
	if !t.Declared() {
		if t.Key != "" {
			c.report(t.Pos, at("key"), "a built-in model has its key: declare columns to choose another", "key applies to a table that declares its columns")
		}
		if c.s.Source.Kind == "thelook" && c.s.modelTables[t.Name] != nil {
			c.report(t.Pos, at("name"), "read a table of a model file ("+c.s.modelTables[t.Name].Pos.File+") from a files or bigquery source",
				"the thelook generator makes only its seven tables with their built-in models, not a model file's")
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
		if c.s.Source.Kind == "bigquery" && c.s.Source.Validate == "bigquery" {
			for j, col := range t.Columns {
				if typ := catalog.Type(strings.ToUpper(col.Type)); slices.Contains(textRead, typ) {
					c.report(t.Pos, at("columns", j, "type"), "validate: local checks it after the read",
						"validate: bigquery cannot check a %s column: it is read as text", typ)
				}
			}
		}
		if c.s.Source.Kind == "thelook" {
			c.report(t.Pos, at("columns"), "read a declared table from a files or bigquery source; the generator's tables take their built-in models",
				"the thelook generator makes only its seven tables with their built-in models, not declared columns")
		}
	}
	if t.Path != "" && c.s.Source.Kind != "files" {
		c.report(t.Pos, at("path"), "", "path applies only to a files source, not %s", c.s.Source.Kind)
	} else if clean := filepath.Clean(t.Path); t.Path != "" && !filepath.IsAbs(clean) && (clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator))) {
		c.report(t.Pos, at("path"), "write an absolute path if that file is really meant", "path %q leaves the source's dir through \"..\"", t.Path)
	}
	if t.SourceTable != "" && c.s.Source.Kind != "bigquery" {
		c.report(t.Pos, at("table"), "", "table applies only to a bigquery source, not %s", c.s.Source.Kind)
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

// textRead are the types the bigquery source reads as text and converts in DuckDB:
// rules inside BigQuery would see the text, not the value.
var textRead = []catalog.Type{catalog.Numeric, catalog.Bytes, catalog.Date, catalog.Datetime, catalog.JSON}

func typeNames() string {
	names := make([]string, len(catalog.Types))
	for i, t := range catalog.Types {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}
