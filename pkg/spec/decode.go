package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/diag"
	"github.com/ecomrun/ecomrun/pkg/rules"
)

// decode fills a Spec from the checked value. The Spec's json tags are spelled like
// the YAML keys, so encoding/json does the work; it skips a value of the wrong type and
// goes on, which lets the semantic checks run on the rest of a spec the schema has
// already found mistakes in. Its error matters only when the schema found none. Each
// kind's block is decoded into its kind's config (decodeKinds), whose diagnostics it
// returns.
func decode(doc *document, v any) (*Spec, diag.Diagnostics, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, nil, err
	}
	s := &Spec{}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	err = dec.Decode(s)

	pos := func(path ...any) diag.Pos {
		n, _ := doc.lookup(path...)
		return doc.pos(n)
	}
	s.File = doc.file
	s.Source.Pos = pos("source")
	s.Warehouse.Pos = pos("warehouse")
	placeTables(doc, s.Tables)
	for i := range s.Sinks {
		s.Sinks[i].Pos = pos("sinks", i)
	}
	diags := decodeKinds(doc, v, s)
	applyDefaults(s)
	if err != nil {
		return s, diags, fmt.Errorf("cannot decode the spec: %w", err)
	}
	return s, diags, nil
}

// decodeKinds decodes the source's and the sinks' blocks into their kinds'
// configs; a block of a kind no package registered has none (the schema reports
// the kind).
func decodeKinds(doc *document, v any, s *Spec) diag.Diagnostics {
	var diags diag.Diagnostics
	root, _ := v.(map[string]any)
	if k, ok := sourceKinds.lookup(s.Source.Kind); ok {
		cfg, more := decodeConfig(doc, []any{"source"}, "source", k, root["source"], CommonKeys(Source{}))
		s.Source.Config, diags = cfg.(SourceConfig), append(diags, more...)
	}
	sinks, _ := root["sinks"].([]any)
	for i := range s.Sinks {
		if k, ok := sinkKinds.lookup(s.Sinks[i].Kind); ok && i < len(sinks) {
			cfg, more := decodeConfig(doc, []any{"sinks", i}, "sink", k, sinks[i], CommonKeys(Sink{}))
			s.Sinks[i].Config, diags = cfg.(SinkConfig), append(diags, more...)
		}
	}
	return diags
}

// placeTables gives decoded tables (under "tables" in doc) and their rules their
// positions, and their rules' numbers the Go values the built-in models use.
func placeTables(doc *document, tables []Table) {
	pos := func(path ...any) diag.Pos {
		n, _ := doc.lookup(path...)
		return doc.pos(n)
	}
	for i := range tables {
		t := &tables[i]
		t.Pos = pos("tables", i)
		for j := range t.Rules {
			r := &t.Rules[j]
			r.Pos = pos("tables", i, "rules", j)
			r.Min, r.Max = number(r.Min), number(r.Max)
			for k := range r.Values {
				r.Values[k] = number(r.Values[k])
			}
		}
	}
}

// number turns a decoded JSON number into the Go value the built-in models use for
// rule bounds and values: int when it is whole, else float64.
func number(v any) any {
	n, ok := v.(json.Number)
	if !ok {
		return v
	}
	if i, err := n.Int64(); err == nil {
		return int(i)
	}
	f, _ := n.Float64()
	return f
}

// applyDefaults fills what a spec may leave out, so later stages never guess.
func applyDefaults(s *Spec) {
	if s.Name == "" {
		base := filepath.Base(s.File)
		s.Name = strings.TrimSuffix(base, filepath.Ext(base))
	}
	for i := range s.Tables {
		t := &s.Tables[i]
		t.OnInvalid = onInvalid(*t)
		if t.Mode == "" {
			t.Mode = ModeSnapshot
		}
		for j := range t.Rules {
			t.Rules[j] = withDefaults(t.Rules[j], j+1)
		}
	}
}

// onInvalid is the table's policy for invalid rows; quarantine keeps them for a look.
func onInvalid(t Table) string {
	if t.OnInvalid == "" {
		return OnInvalidQuarantine
	}
	return t.OnInvalid
}

// withDefaults names an unnamed spec rule after what it checks, so reports can name
// every rule: <check>_<column>, expression_<n> (n is its 1-based place among the
// table's rules) or row_count. The severity defaults to error.
func withDefaults(r rules.Rule, n int) rules.Rule {
	if r.Severity == "" {
		r.Severity = rules.SeverityError
	}
	if r.Name != "" {
		return r
	}
	switch {
	case r.Check == rules.Expression:
		r.Name = fmt.Sprintf("%s_%d", rules.Expression, n)
	case r.Check == rules.RowCount:
		r.Name = rules.RowCount
	case r.Check != "" && r.Column != "": // else the schema has reported the rule
		r.Name = r.Check + "_" + r.Column
	}
	return r
}
