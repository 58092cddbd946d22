package scaffold

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// plainRE is a YAML scalar that reads back as the same string when written bare.
var plainRE = regexp.MustCompile(`^[A-Za-z0-9_./][A-Za-z0-9_./:@+-]*$`)

// Quote writes s as a YAML string the spec reads back as s: bare when that is
// safe, else double-quoted, with $ doubled so that interpolation leaves it alone.
func Quote(s string) string {
	if strings.Contains(s, "$") {
		s = strings.ReplaceAll(s, "$", "$$")
	}
	switch strings.ToLower(s) {
	case "", "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~":
	default:
		if plainRE.MatchString(s) && !numberRE.MatchString(s) {
			return s
		}
	}
	b, _ := json.Marshal(s) // a JSON string is a YAML double-quoted scalar
	return string(b)
}

var numberRE = regexp.MustCompile(`^[-+.0-9][-+.0-9_eE]*$|^0[xXoObB]`)

// Render writes the spec: a header comment, the source, the warehouse
// (out/<name>.duckdb), the tables and csv and parquet sinks under out/.
func Render(s *Source) []byte {
	var b bytes.Buffer
	name := s.Name
	if name == "" {
		name = "pipeline"
	}
	fmt.Fprintf(&b, "# Written by `ecomrun init --from %s`: %d table(s), their columns and types as read.\n", s.From, len(s.Tables))
	b.WriteString("# Check the types and keys, add rules, then: ecomrun validate FILE && ecomrun apply FILE\n")
	b.WriteString("# (`ecomrun schema` prints the JSON Schema, for an editor's yaml-language-server).\n")
	b.WriteString("version: 1\n")
	fmt.Fprintf(&b, "name: %s\n", Quote(name))
	b.WriteString("source:\n")
	for _, l := range s.Block {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	b.WriteString("warehouse:\n")
	fmt.Fprintf(&b, "  path: %s    # every table is loaded here\n", Quote("out/"+name+".duckdb"))
	for _, sk := range s.Skipped {
		fmt.Fprintf(&b, "# left out: %s\n", sk)
	}
	b.WriteString("tables:\n")
	for _, t := range s.Tables {
		for _, n := range t.Notes {
			fmt.Fprintf(&b, "  # %s\n", n)
		}
		if t.Thelook {
			fmt.Fprintf(&b, "  - name: %s    # thelook's built-in model: %s has its columns\n", t.Name, t.From)
			if t.Path != "" {
				fmt.Fprintf(&b, "    path: %s\n", Quote(t.Path))
			}
			continue
		}
		fmt.Fprintf(&b, "  - name: %s    # from %s\n", t.Name, t.From)
		if t.Path != "" {
			fmt.Fprintf(&b, "    path: %s\n", Quote(t.Path))
		}
		if t.Key != "" {
			fmt.Fprintf(&b, "    key: %s    # %s\n", t.Key, t.KeyNote)
		} else {
			fmt.Fprintf(&b, "    # no key: %s\n", t.KeyNote)
		}
		b.WriteString("    columns:\n")
		for _, c := range t.Columns {
			if c.Name == t.Key {
				fmt.Fprintf(&b, "      - {name: %s, type: %s, required: true}\n", c.Name, c.Type)
			} else {
				fmt.Fprintf(&b, "      - {name: %s, type: %s}\n", c.Name, c.Type)
			}
		}
	}
	b.WriteString("sinks:\n")
	b.WriteString("  - {name: csv, kind: csv, path: out/csv}\n")
	b.WriteString("  - {name: parquet, kind: parquet, path: out/parquet}\n")
	return b.Bytes()
}
