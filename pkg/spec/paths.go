package spec

import (
	"fmt"
	"path/filepath"
	"strings"
)

// output is a place on disk a run writes: a file (the warehouse, a duckdb copy) or
// a folder it owns whole (a csv or parquet sink publishes its folder in one step).
type output struct {
	what   string // "the warehouse", "sink files"
	path   string // as written
	abs    string
	folder bool
	at     []any
}

// paths refuses what would make a run write where it must not: a relative path that
// climbs out of the working folder with "..", and two outputs that overlap (a folder
// sink holding the warehouse or another sink's files would publish, or replace,
// them as its own).
func (c *checker) paths() {
	var outs []output
	add := func(what, path string, folder bool, at ...any) {
		if path == "" {
			return
		}
		if clean := filepath.Clean(path); !filepath.IsAbs(clean) && (clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator))) {
			c.report(c.s.Warehouse.Pos, at, "write an absolute path if that place is really meant", "%s path %q leaves the working folder through \"..\"", what, path)
			return
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return
		}
		outs = append(outs, output{what, path, abs, folder, at})
	}
	add("the warehouse", c.s.Warehouse.Path, false, "warehouse", "path")
	for i, k := range c.s.Sinks {
		what := "sink " + k.Name
		if k.Name == "" {
			what = fmt.Sprintf("sinks[%d]", i)
		}
		switch k.Kind {
		case "csv", "parquet":
			add(what, k.Path, true, "sinks", i, "path")
		case "duckdb":
			add(what, k.Path, false, "sinks", i, "path")
		}
	}
	for i, a := range outs {
		for _, b := range outs[:i] {
			if overlap(a, b) || overlap(b, a) {
				c.report(c.s.Warehouse.Pos, a.at, "give each output a place of its own: a csv or parquet sink owns its whole folder",
					"%s (%s) overlaps %s (%s)", a.what, a.path, b.what, b.path)
			}
		}
	}
}

// overlap reports whether b lies where a writes: the same path, or, when a is a
// folder, anywhere inside it.
func overlap(a, b output) bool {
	if a.abs == b.abs {
		return true
	}
	return a.folder && strings.HasPrefix(b.abs, a.abs+string(filepath.Separator))
}
