// Package scaffold writes a first spec for tables that already exist: a folder of
// CSV and Parquet files, or a BigQuery dataset. Each table's columns and types are
// read from the data itself, a key is proposed where a column is unique and never
// NULL, and tables that are thelook's are left to their built-in models. The
// result is YAML text meant to be read, edited and then validated.
package scaffold

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/catalog"
)

// Table is one table found: its name in the spec, where it comes from, and either
// a built-in model (Thelook) or the columns read.
type Table struct {
	Name string
	// Path is the file under the folder when it is not <name>.csv (files).
	Path string
	// From says where the table was read, for its comment: a file or a table id.
	From string
	// Thelook: the name and the columns are a built-in model's; nothing is declared.
	Thelook bool
	Key     string
	// KeyNote says how the key was chosen, for its comment.
	KeyNote string
	Columns []catalog.Column
	// Notes are comments printed above the table (columns left out, ...).
	Notes []string
}

// Source is what a spec reads: the source block's lines and the tables found.
type Source struct {
	// From is the --from argument, for the header comment.
	From string
	// Name is the pipeline's name (also the warehouse file's).
	Name string
	// Block is the source: mapping, each line indented by two spaces.
	Block []string
	// Skipped are files or tables found but left out, each with why.
	Skipped []string
	Tables  []Table
}

// identRE is the spec's identifier: a table or column name.
var identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// IsIdent says a name can be a table's or a column's in a spec.
func IsIdent(s string) bool { return identRE.MatchString(s) }

// ident makes a name an identifier: lower case, other characters as _, a leading
// digit prefixed with _.
func ident(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	out := b.String()
	if out == "" || (out[0] >= '0' && out[0] <= '9') {
		out = "_" + out
	}
	return out
}

// recognise says whether a table with these column names is thelook's table of
// the same name: the same columns, in any order.
func recognise(name string, columns []string) bool {
	m := catalog.Lookup(name)
	if m == nil || len(m.Columns) != len(columns) {
		return false
	}
	want := m.ColumnNames()
	for _, c := range columns {
		if !slices.Contains(want, c) {
			return false
		}
	}
	return true
}

// keyCandidates are the column names a key is looked for under, in order: id,
// <table>_id, and <singular table>_id.
func keyCandidates(table string) []string {
	out := []string{"id", table + "_id"}
	single := table
	switch {
	case strings.HasSuffix(table, "ies"):
		single = strings.TrimSuffix(table, "ies") + "y"
	case strings.HasSuffix(table, "sses"), strings.HasSuffix(table, "xes"):
		single = table[:len(table)-2]
	case strings.HasSuffix(table, "s") && !strings.HasSuffix(table, "ss"):
		single = strings.TrimSuffix(table, "s")
	}
	if single != table {
		out = append(out, single+"_id")
	}
	return out
}

// Filter keeps the named tables, in the order found; a name not found is an error
// listing the names there are.
func (s *Source) Filter(names []string) error {
	if len(names) == 0 {
		return nil
	}
	var found []string
	for _, t := range s.Tables {
		found = append(found, t.Name)
	}
	for _, n := range names {
		if !slices.Contains(found, n) {
			return fmt.Errorf("--tables: no table %s in %s (found: %s)", n, s.From, strings.Join(found, ", "))
		}
	}
	s.Tables = slices.DeleteFunc(s.Tables, func(t Table) bool { return !slices.Contains(names, t.Name) })
	return nil
}

// pipelineName is a name for the pipeline from the last part of a folder or dataset.
func pipelineName(s string) string {
	base := path.Base(strings.ReplaceAll(strings.TrimRight(s, `/\`), `\`, "/"))
	if base == "." || base == "/" || base == "" {
		return "pipeline"
	}
	return strings.Trim(ident(base), "_")
}
