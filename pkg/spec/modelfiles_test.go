package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/rules"
)

const crmModels = `- name: customers
  key: customer_id
  columns:
    - {name: customer_id, type: INT64, required: true}
    - {name: email, type: STRING}
    - {name: lifetime_value, type: FLOAT64}
  rules:
    - {check: range, column: lifetime_value, min: 0}
    - {check: relationship, column: customer_id, to: orders.user_id}
`

// TestModelFiles: a spec's models name files of table models; each mistake is
// refused at its FILE:LINE:COL, in the model file when it is there.
func TestModelFiles(t *testing.T) {
	const head = "version: 1\nsource: {kind: files, dir: in}\nwarehouse: {path: w.duckdb}\n"
	for _, tc := range []struct {
		name  string
		files map[string]string // model files under the spec's folder
		spec  string            // after head
		want  []string          // FILE:LINE:COL: message
	}{
		{"a table takes its model from a model file",
			map[string]string{"models/crm.yaml": crmModels},
			"models: [models/*.yaml]\ntables:\n  - name: customers\n    enable: [relationship_customer_id]\n    rules: [{check: not_null, column: email}]\n  - name: orders\n",
			nil},
		{"a glob that matches no file",
			map[string]string{"models/crm.yaml": crmModels},
			"models: [models/*.yaml, model/*.yml]\ntables:\n  - name: customers\n",
			[]string{`spec.yaml:4:25: models[1]: "model/*.yml" matches no file`}},
		{"a missing file",
			nil,
			"models: [crm.yaml]\ntables:\n  - name: orders\n",
			[]string{`spec.yaml:4:10: model file crm.yaml: not found`}},
		{"a syntax error in a model file",
			map[string]string{"crm.yaml": "- name: customers\n  columns: [{name: id, type: INT64}\n"},
			"models: [crm.yaml]\ntables:\n  - name: orders\n",
			[]string{`crm.yaml:2:12: sequence end token ']' not found`}},
		{"an empty model file",
			map[string]string{"crm.yaml": "# nothing yet\n"},
			"models: [crm.yaml]\ntables:\n  - name: orders\n",
			[]string{`crm.yaml:1:1: the file is empty: a model file lists tables: - {name: ..., columns: [...]}`}},
		{"an unknown key in a model file",
			map[string]string{"crm.yaml": "- name: customers\n  path: c.csv\n  colums: [{name: id, type: INT64}]\n"},
			"models: [crm.yaml]\ntables:\n  - name: orders\n",
			[]string{`crm.yaml:2:3: unknown key "path" in model`, `crm.yaml:3:3: unknown key "colums" in model (did you mean "columns"?)`}},
		{"a model file that is not a list",
			map[string]string{"crm.yaml": "name: customers\n"},
			"models: [crm.yaml]\ntables:\n  - name: orders\n",
			[]string{`crm.yaml:1:1: models: got object, want array`}},
		{"a bad type, key and rule in a model file",
			map[string]string{"crm.yaml": "- name: customers\n  key: idd\n  columns: [{name: id, type: INT65}]\n  rules: [{check: not_null, column: idd}]\n"},
			"models: [crm.yaml]\ntables:\n  - name: customers\n",
			[]string{`crm.yaml:2:8: key "idd" is not a declared column of table customers (did you mean "id"?)`,
				`crm.yaml:3:30: type: "INT65" is not one of INT64, FLOAT64, NUMERIC, BOOL, STRING, BYTES, DATE, DATETIME, TIMESTAMP, GEOGRAPHY, JSON (did you mean "INT64"?)`,
				`crm.yaml:4:37: unknown column "idd" in table customers (did you mean "id"?)`}},
		{"two model files declare one table",
			map[string]string{"a.yaml": crmModels, "b.yaml": "- {name: other, columns: [{name: x, type: STRING}]}\n- name: customers\n  columns: [{name: x, type: STRING}]\n"},
			"models: [a.yaml, b.yaml]\ntables:\n  - name: customers\n",
			[]string{`b.yaml:2:9: table "customers" is declared by two model files`}},
		{"a model file's rule named like a derived rule",
			map[string]string{"crm.yaml": "- name: c\n  key: id\n  columns: [{name: id, type: INT64}]\n  rules: [{name: id_unique, check: not_null, column: id}]\n"},
			"models: [crm.yaml]\ntables:\n  - name: c\n",
			[]string{`crm.yaml:4:18: rule "id_unique" of table c has the name of a rule its columns derive`}},
		{"an enabled relationship to an unknown column",
			map[string]string{"crm.yaml": "- name: c\n  columns: [{name: id, type: INT64}]\n  rules: [{check: relationship, column: id, to: orders.idd}]\n"},
			"models: [crm.yaml]\ntables:\n  - name: c\n    enable: [relationship_id]\n  - name: orders\n",
			[]string{`spec.yaml:7:14: rule "relationship_id" references "orders.idd": unknown column "idd" in table orders`}},
		{"a disabled model rule is off, an unknown one is refused",
			map[string]string{"crm.yaml": crmModels},
			"models: [crm.yaml]\ntables:\n  - name: customers\n    disable: [range_lifetime_value, range_ltv]\n",
			[]string{`spec.yaml:7:37: table customers has no built-in rule "range_ltv"`}},
		{"the generator makes no table of a model file",
			map[string]string{"crm.yaml": crmModels},
			"models: [crm.yaml]\ntables:\n  - name: customers\n",
			[]string{`spec.yaml:6:11: the thelook generator makes only its seven tables with their built-in models, not a model file's`}},
		{"model files are not interpolated",
			map[string]string{"crm.yaml": "- name: c\n  columns: [{name: '${COL}', type: INT64}]\n"},
			"models: [crm.yaml]\ntables:\n  - name: c\n",
			[]string{`crm.yaml:2:20: name: "${COL}" is not a valid name`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, text := range tc.files {
				path := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			h := head
			if strings.Contains(tc.name, "generator") {
				h = strings.Replace(h, "{kind: files, dir: in}", "{kind: thelook}", 1)
			}
			s, diags := Load(filepath.Join(dir, "spec.yaml"), []byte(h+tc.spec), noEnv)
			got := []string{}
			for _, d := range diags {
				file, _ := filepath.Rel(dir, d.Pos.File)
				msg, _, _ := strings.Cut(d.Message, " (the columns")
				msg, _, _ = strings.Cut(msg, " (built-in rules")
				msg, _, _ = strings.Cut(msg, " (paths are")
				msg, _, _ = strings.Cut(msg, " (use lower-case")
				if strings.HasPrefix(msg, "name: ") {
					msg, _, _ = strings.Cut(msg, ": use lower-case")
				}
				got = append(got, fmt.Sprintf("%s:%d:%d: %s", file, d.Pos.Line, d.Pos.Col, msg))
			}
			if !slices.Equal(got, tc.want) && (len(got) > 0 || len(tc.want) > 0) {
				t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			if tc.want == nil && s == nil {
				t.Fatal("no spec without errors")
			}
		})
	}
}

// TestModelFileModel: a model file's columns, key and rules make the model; its
// rules are built-in (a relationship optional), the spec's add to them, and a spec
// table that declares columns keeps its own.
func TestModelFileModel(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "crm.yaml"), []byte(crmModels+"- name: orders\n  columns: [{name: id, type: INT64}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := "version: 1\nsource: {kind: files, dir: in}\nwarehouse: {path: w.duckdb}\nmodels: [" + filepath.Join(dir, "crm.yaml") + "]\n" +
		"tables:\n  - name: customers\n    rules: [{check: not_null, column: email}]\n  - name: orders\n    columns: [{name: order_id, type: INT64}]\n"
	s, diags := Load(filepath.Join(t.TempDir(), "spec.yaml"), []byte(spec), noEnv)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	m := s.Model("customers")
	if m == nil || m.Key != "customer_id" || len(m.Columns) != 3 {
		t.Fatalf("model %+v", m)
	}
	var names []string
	for _, r := range m.Rules {
		if !r.Builtin {
			t.Errorf("rule %s is not built-in", r.Name)
		}
		if r.Optional != (r.Check == rules.Relationship) {
			t.Errorf("rule %s: optional %v", r.Name, r.Optional)
		}
		names = append(names, r.Name)
	}
	if want := []string{"customer_id_not_null", "customer_id_unique", "range_lifetime_value", "relationship_customer_id"}; !slices.Equal(names, want) {
		t.Errorf("built-in rules %v, want %v", names, want)
	}
	if cols := s.Model("orders").ColumnNames(); !slices.Equal(cols, []string{"order_id"}) {
		t.Errorf("orders declares its columns in the spec, got %v", cols)
	}
	p, diags := Compile(s)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var got []string
	for _, tp := range p.Tables {
		if tp.Name == "customers" {
			for _, r := range tp.Rules {
				got = append(got, r.Name)
			}
		}
	}
	if want := []string{"customer_id_not_null", "customer_id_unique", "range_lifetime_value", "not_null_email"}; !slices.Equal(got, want) {
		t.Errorf("customers' rules %v, want %v", got, want)
	}
}
