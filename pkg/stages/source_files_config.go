package stages

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/diag"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// The files source as a kind: its keys, their defaults and checks, and what plan
// and lineage say of it. How it reads is source_files.go.

func init() {
	RegisterSource("files", "one <table>.<format> file per table", func(_ spec.Source, c *FilesConfig) (Source, error) {
		return &filesSource{src: c}, nil
	})
}

// FilesConfig is the files source's keys: one <table>.<format> per table under Dir.
type FilesConfig struct {
	Dir    string `json:"dir,omitempty" schema:"required,minLength=1" example:"exports" doc:"the directory holding one <table>.<format> file per table"`
	Format string `json:"format,omitempty" schema:"enum=csv|parquet" default:"csv" doc:"the file format"`
	// CSV is the dialect of the CSV files; a table's own csv block overrides it key by key.
	CSV *spec.CSV `json:"csv,omitempty" schema:"ref=csv" doc:"the CSV dialect of the files; a table's csv overrides it key by key"`
	// OnMalformed is what a record that cannot be parsed does (the table's overrides it).
	OnMalformed string `json:"on_malformed,omitempty" schema:"ref=on_malformed" doc:"what a record that cannot be parsed does; a table's on_malformed overrides it"`
}

var (
	_ spec.SourceConfig    = (*FilesConfig)(nil)
	_ spec.TableKeysReader = (*FilesConfig)(nil)
	_ spec.TableDescriber  = (*FilesConfig)(nil)
	_ DatasetNamer         = (*FilesConfig)(nil)
)

func (c *FilesConfig) Describe() string { return fmt.Sprintf("files (%s in %s)", c.Format, c.Dir) }

// TableKeys: a table may name its file and override the CSV settings.
func (c *FilesConfig) TableKeys() []string { return []string{"csv", "on_malformed", "path"} }

// Check refuses a csv block where no CSV is read, and a table's path that climbs
// out of dir.
func (c *FilesConfig) Check(b *spec.Block) diag.Diagnostics {
	const csvOnly = "csv applies to the files source reading CSV only"
	var ds diag.Diagnostics
	if c.CSV != nil && c.Format != "csv" {
		ds = append(ds, b.At("csv").Errorf("", csvOnly)...)
	}
	for i, t := range b.Spec.Tables {
		if t.CSV != nil && c.Format != "csv" {
			ds = append(ds, b.Table(i, "csv").Errorf("", csvOnly)...)
		}
		if clean := filepath.Clean(t.Path); t.Path != "" && !filepath.IsAbs(clean) && (clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator))) {
			ds = append(ds, b.Table(i, "path").Errorf("write an absolute path if that file is really meant", "path %q leaves the source's dir through \"..\"", t.Path)...)
		}
	}
	return ds
}

// DescribeTable is the CSV dialect a table is read with, in words: ecomrun
// decides it, and a reviewer sees it.
func (c *FilesConfig) DescribeTable(t *spec.TablePlan) (heading, words string) {
	if c.Format != "csv" {
		return "", ""
	}
	d := csvDialect{CSV: c.CSVOf(t)}
	d.detected = d.Delimiter == ""
	return "CSV dialect", d.describe()
}

// LineageDataset is the file a table is read from, by its absolute path.
func (c *FilesConfig) LineageDataset(t *spec.TablePlan) (namespace, name string) {
	path, _ := c.PathOf(t)
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return "file", path
}

// CSVOf is the CSV dialect a table is read with: the table's csv keys over the
// source's, the defaults for the rest (the delimiter stays empty: detected).
func (c *FilesConfig) CSVOf(t *spec.TablePlan) spec.CSV {
	d := spec.CSV{Quote: `"`, Encoding: "utf-8", MaxLineSize: 2000000}
	for _, o := range []*spec.CSV{c.CSV, t.CSV} {
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

// OnMalformedOf is a table's policy for records that cannot be parsed.
func (c *FilesConfig) OnMalformedOf(t *spec.TablePlan) string {
	switch {
	case t.OnMalformed != "":
		return t.OnMalformed
	case c.OnMalformed != "":
		return c.OnMalformed
	}
	return spec.OnMalformedQuarantine
}

// PathOf is the file a table is read from, and its format: the table's path when
// the spec names one (relative to dir; a .csv or .parquet ending says its
// format), else <dir>/<name>.<format>.
func (c *FilesConfig) PathOf(t *spec.TablePlan) (path, format string) {
	format = c.Format
	if t.Path == "" {
		return filepath.Join(c.Dir, t.Name+"."+format), format
	}
	path = t.Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(c.Dir, path)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		format = "csv"
	case ".parquet":
		format = "parquet"
	}
	return path, format
}
