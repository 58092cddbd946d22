package spec

import (
	"cmp"
	"fmt"
	"path/filepath"
	"strings"
)

// output is a place a run writes: one of the warehouse's files, or one of a sink's
// (SinkConfig.Writes).
type output struct {
	Output
	owner int    // the sink's index; -1 for the warehouse
	what  string // "the warehouse", "sink lake"
	place string // the absolute path, or the URL
	at    Place
}

// paths refuses what would make a run write where it must not: a relative path that
// climbs out of the working folder with "..", and two outputs that overlap: the same
// file, folder or prefix, or one inside a place another owns whole (a folder sink
// holding the warehouse or another sink's files would publish, or replace, them as
// its own; a path inside the warehouse file cannot be written at all). Paths are
// compared cleaned and made absolute, as a run resolves them.
func (c *checker) paths() {
	var outs []output
	add := func(o output) {
		if o.Path != "" {
			clean := filepath.Clean(o.Path)
			if !filepath.IsAbs(clean) && (clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator))) {
				c.diags = append(c.diags, o.at.Errorf("write an absolute path if that place is really meant",
					"%s %s %q leaves the working folder through \"..\"", o.what, o.Key, o.Path)...)
				return
			}
			abs, err := filepath.Abs(o.Path)
			if err != nil {
				return
			}
			o.place = abs
		} else {
			o.place = o.URL
		}
		if o.place != "" {
			outs = append(outs, o)
		}
	}
	if wh := c.s.Warehouse.Path; wh != "" {
		at := c.place(c.s.Warehouse.Pos, []any{"warehouse", "path"})
		// DuckDB writes the database, its write-ahead log and, past its memory
		// limit, a spill folder beside it (warehouse.Open).
		for _, o := range []Output{{Path: wh, Folder: true}, {Path: wh + ".wal"}, {Path: wh + ".tmp", Folder: true}} {
			o.Key = "path"
			add(output{Output: o, owner: -1, what: "the warehouse", at: at})
		}
	}
	for i, k := range c.s.Sinks {
		cfg := c.sinkConfigs[i]
		if cfg == nil {
			continue // its kind is reported
		}
		what := "sink " + k.Name
		if k.Name == "" {
			what = fmt.Sprintf("sinks[%d]", i)
		}
		for _, o := range cfg.Writes(c.sinkTables(k)) {
			add(output{Output: o, owner: i, what: what, at: c.place(k.Pos, []any{"sinks", i, o.Key})})
		}
	}
	reported := map[[2]int]bool{}
	for i, a := range outs {
		for _, b := range outs[:i] {
			pair := [2]int{a.owner, b.owner}
			if a.owner == b.owner || reported[pair] || !overlap(a, b) && !overlap(b, a) {
				continue
			}
			reported[pair] = true
			fix := cmp.Or(a.Fix, b.Fix, "give each output a place of its own: a sink that writes a folder owns all of it")
			shown := a.URL
			if a.Path != "" {
				shown = a.Path
			}
			switch {
			case a.place != b.place:
				c.diags = append(c.diags, a.at.Errorf(fix, "%s (%s) overlaps %s (%s)", a.what, shown, b.what, b.Path+b.URL)...)
			case b.owner < 0:
				c.diags = append(c.diags, a.at.Errorf(fix, "%s and the warehouse both write %s", a.what, shown)...)
			default:
				c.diags = append(c.diags, a.at.Errorf(fix, "sinks %q and %q both write %s", c.s.Sinks[b.owner].Name, c.s.Sinks[a.owner].Name, shown)...)
			}
		}
	}
}

// overlap reports whether b lies where a writes: the same place or, when a owns
// a folder or prefix, anywhere under it. A path on disk never overlaps a URL.
func overlap(a, b output) bool {
	if (a.Path == "") != (b.Path == "") {
		return false
	}
	if a.place == b.place {
		return true
	}
	sep := string(filepath.Separator)
	if a.Path == "" {
		sep = "/"
	}
	return a.Folder && strings.HasPrefix(b.place, strings.TrimSuffix(a.place, sep)+sep)
}
