package spec

import (
	"path/filepath"
	"strings"
)

// filesSource checks what only the files source reads: a csv block or an
// on_malformed policy elsewhere is a mistake, not something to ignore.
func (c *checker) filesSource() {
	src := c.s.Source
	if src.CSV != nil && (src.Kind != "files" || src.Format == "parquet") {
		c.report(src.Pos, []any{"source", "csv"}, "", "csv applies to the files source reading CSV only")
	}
	for i, t := range c.s.Tables {
		if t.CSV != nil && (src.Kind != "files" || src.Format == "parquet") {
			c.report(t.Pos, []any{"tables", i, "csv"}, "", "csv applies to the files source reading CSV only")
		}
		if t.OnMalformed != "" && src.Kind != "files" {
			c.report(t.Pos, []any{"tables", i, "on_malformed"}, "", "on_malformed applies to the files source only")
		}
	}
}

// FilesCSV is the CSV dialect a table is read with: the table's csv keys over the
// source's, the defaults for the rest (the delimiter stays empty: detected).
func FilesCSV(src Source, t *TablePlan) CSV {
	d := CSV{Quote: `"`, Encoding: "utf-8", MaxLineSize: 2000000}
	for _, o := range []*CSV{src.CSV, t.CSV} {
		if o == nil {
			continue
		}
		if o.Delimiter != "" {
			d.Delimiter = o.Delimiter
		}
		if o.Quote != "" {
			d.Quote = o.Quote
		}
		if o.Escape != "" {
			d.Escape = o.Escape
		}
		if o.Header != nil {
			h := *o.Header
			d.Header = &h
		}
		if o.Encoding != "" {
			d.Encoding = o.Encoding
		}
		if o.MaxLineSize > 0 {
			d.MaxLineSize = o.MaxLineSize
		}
	}
	if d.Escape == "" {
		d.Escape = d.Quote
	}
	if d.Header == nil {
		h := true
		d.Header = &h
	}
	return d
}

// FilesOnMalformed is a table's policy for records that cannot be parsed.
func FilesOnMalformed(src Source, t *TablePlan) string {
	switch {
	case t.OnMalformed != "":
		return t.OnMalformed
	case src.OnMalformed != "":
		return src.OnMalformed
	}
	return OnMalformedQuarantine
}

// FilesPath is the file a files source reads a table from, and its format: the
// table's path when the spec names one (relative to dir; a .csv or .parquet ending
// says its format), else <dir>/<name>.<format>.
func FilesPath(src Source, t *TablePlan) (path, format string) {
	format = src.Format
	if format == "" {
		format = DefaultFormat
	}
	if t.Path == "" {
		return filepath.Join(src.Dir, t.Name+"."+format), format
	}
	path = t.Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(src.Dir, path)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		format = "csv"
	case ".parquet":
		format = "parquet"
	}
	return path, format
}
