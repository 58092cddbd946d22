package catalog

import (
	"strings"
	"testing"
)

// TestParseRejects: a malformed declaration is an error (at init, a panic), never a
// model that is quietly different.
func TestParseRejects(t *testing.T) {
	const table = "tables:\n  - name: t\n    key: id\n    columns:\n      - {name: id, type: INT64, required: true}\n"
	for _, tc := range []struct{ name, yaml, want string }{
		{"syntax", "tables: [", "sequence end token ']' not found"},
		{"unknown key", "tables:\n  - name: t\n    colums: []\n", `unknown field "colums"`},
		{"no tables", "tables: []\n", "no tables"},
		{"no columns", "tables:\n  - name: t\n    key: id\n", "no columns"},
		{"twice", table + table[len("tables:\n"):], "declared twice"},
		{"unknown type", "tables:\n  - name: t\n    key: id\n    columns:\n      - {name: id, type: INT}\n", `unknown type "INT"`},
		{"key", "tables:\n  - name: t\n    key: no\n    columns:\n      - {name: id, type: INT64}\n", `key "no" is not a column`},
		{"unnamed rule", table + "    rules:\n      - {check: not_null, column: id}\n", "no name"},
		{"rule named twice", table + "    rules:\n      - {name: id_unique, check: unique, column: id}\n", "named twice"},
		{"unknown check", table + "    rules:\n      - {name: r, check: nonnull, column: id}\n", `unknown check "nonnull"`},
		{"severity", table + "    rules:\n      - {name: r, check: not_null, column: id, severity: fatal}\n", `unknown severity "fatal"`},
		{"column", table + "    rules:\n      - {name: r, check: not_null, column: idd}\n", `column "idd" is not declared`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("parse: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// TestParseDeclaration: a declaration builds the model a spec's declared table
// would get, plus its rules (built-in, severity error unless written, optional
// when marked).
func TestParseDeclaration(t *testing.T) {
	ms, err := parse([]byte(`tables:
  - name: t
    key: id
    columns:
      - {name: id, type: INT64, required: true}
      - {name: n, type: FLOAT64}
    rules:
      - {name: n_range, check: range, column: n, min: 0.5, severity: warn}
      - {name: id_range, check: range, column: id, min: -1, max: 10}
      - {name: id_known, check: accepted_values, column: id, values: [1, 2]}
      - {name: n_references, check: relationship, column: n, to: u.n, optional: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	m := ms[0]
	if len(m.Rules) != 6 {
		t.Fatalf("rules %+v", m.Rules)
	}
	for i, want := range []string{"id_not_null", "id_unique", "n_range", "id_range", "id_known", "n_references"} {
		if r := m.Rules[i]; r.Name != want || !r.Builtin {
			t.Errorf("rule %d is %+v, want %s, built-in", i, r, want)
		}
	}
	if r := m.Rules[2]; r.Severity != "warn" || r.Min != 0.5 || r.Optional {
		t.Errorf("n_range is %+v", r)
	}
	// Whole numbers are ints, as in a spec's rules (the decoder gives int64 or uint64).
	if r := m.Rules[3]; r.Min != -1 || r.Max != 10 {
		t.Errorf("id_range bounds are %#v, %#v; want int -1, 10", r.Min, r.Max)
	}
	if r := m.Rules[4]; len(r.Values) != 2 || r.Values[0] != 1 || r.Values[1] != 2 {
		t.Errorf("id_known values are %#v, want int 1, 2", r.Values)
	}
	if r := m.Rules[5]; r.Severity != "error" || !r.Optional || r.To != "u.n" {
		t.Errorf("n_references is %+v", r)
	}
}
