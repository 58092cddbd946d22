package catalog

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/models.json from the models")

// goldenModel is a model as testdata/models.json holds it; a rule's values and
// bounds keep their Go type ("int(-90)", "string(Men)"), which JSON would lose.
type goldenModel struct {
	Table   string         `json:"table"`
	Key     string         `json:"key"`
	Columns []goldenColumn `json:"columns"`
	Rules   []goldenRule   `json:"rules"`
	// Contract is the model's own contract keys, when it has any.
	Contract *Contract `json:"contract,omitempty"`
}

type goldenColumn struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Required bool   `json:"required"`
}

type goldenRule struct {
	Name     string   `json:"name"`
	Check    string   `json:"check"`
	Severity string   `json:"severity"`
	Column   string   `json:"column,omitempty"`
	Values   []string `json:"values,omitempty"`
	Min      string   `json:"min,omitempty"`
	Max      string   `json:"max,omitempty"`
	Pattern  string   `json:"pattern,omitempty"`
	SQL      string   `json:"sql,omitempty"`
	To       string   `json:"to,omitempty"`
	Optional bool     `json:"optional"`
	Builtin  bool     `json:"builtin"`
}

func typed(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprintf("%T(%v)", v, v)
}

// TestModelsGolden pins the built-in models (columns, types, keys, every rule and
// its arguments) to testdata/models.json, first written from the Go values the
// models were before thelook.yaml declared them: the move changed none of them.
func TestModelsGolden(t *testing.T) {
	var got []goldenModel
	for _, name := range Tables {
		m := Lookup(name)
		g := goldenModel{Table: m.Table, Key: m.Key}
		if m.Contract != (Contract{}) {
			g.Contract = &m.Contract
		}
		for _, c := range m.Columns {
			g.Columns = append(g.Columns, goldenColumn{c.Name, string(c.Type), c.Required})
		}
		for _, r := range m.Rules {
			gr := goldenRule{Name: r.Name, Check: r.Check, Severity: r.Severity, Column: r.Column,
				Min: typed(r.Min), Max: typed(r.Max), Pattern: r.Pattern, SQL: r.SQL, To: r.To,
				Optional: r.Optional, Builtin: r.Builtin}
			for _, v := range r.Values {
				gr.Values = append(gr.Values, typed(v))
			}
			g.Rules = append(g.Rules, gr)
		}
		got = append(got, g)
	}
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", "models.json")
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("the models differ from %s (go test -run TestModelsGolden -update rewrites it):\n%s", path, b)
	}
}
