package plandiff

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

const base = `version: 1
name: shop
source: {kind: thelook, scale: 0.001, seed: 1}
warehouse: {path: w.duckdb}
tables:
  - name: orders
    rules:
      - {check: range, column: num_of_item, min: 1, max: 4}
      - {name: recent, check: expression, sql: "created_at > TIMESTAMP '2020-01-01'"}
  - name: users
  - name: events
sinks:
  - {name: files, kind: csv, path: out/csv}
`

// changed: scale up, orders drops bad rows and has one rule changed, one removed,
// one added and a built-in rule disabled; events goes, products comes; a sink comes.
const changed = `version: 1
name: shop
source: {kind: thelook, scale: 0.01, seed: 1}
warehouse: {path: w.duckdb}
tables:
  - name: orders
    on_invalid: drop
    disable: [gender_accepted]
    rules:
      - {check: range, column: num_of_item, min: 1, max: 5}
      - {name: known, check: accepted_values, column: status, values: [Shipped, Complete], severity: warn}
  - name: users
  - name: products
    rules:
      - {check: not_null, column: brand}
sinks:
  - {name: files, kind: csv, path: out/csv}
  - {name: lake, kind: parquet, path: out/pq, tables: [orders]}
`

func plan(t *testing.T, body string) *spec.Plan {
	t.Helper()
	path := filepath.Join(t.TempDir(), "spec.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	p, ds := spec.Check(path)
	if ds.HasErrors() {
		t.Fatalf("spec: %v", ds)
	}
	return p
}

func TestSamePlanIsEmpty(t *testing.T) {
	if d := Compare(plan(t, base), plan(t, base)); !d.Empty() {
		t.Fatalf("diff of a plan with itself: %+v", d)
	}
}

func TestCompare(t *testing.T) {
	d := Compare(plan(t, base), plan(t, changed))

	if len(d.Source) != 1 || d.Source[0] != (Field{Name: "scale", Old: "0.001", New: "0.01"}) {
		t.Errorf("source: %+v", d.Source)
	}
	if len(d.Warehouse) != 0 || len(d.Pipeline) != 0 {
		t.Errorf("warehouse %+v, pipeline %+v: want no change", d.Warehouse, d.Pipeline)
	}
	tables := map[string]Table{}
	for _, tb := range d.Tables {
		tables[tb.Name] = tb
	}
	if len(tables) != 3 || tables["products"].Change != Added || tables["events"].Change != Removed || tables["orders"].Change != Changed {
		t.Fatalf("tables: %+v", d.Tables)
	}
	if _, ok := tables["users"]; ok {
		t.Errorf("users did not change but is listed")
	}
	// Order: the new spec's order, then what only the old one had.
	if d.Tables[0].Name != "orders" || d.Tables[1].Name != "products" || d.Tables[2].Name != "events" {
		t.Errorf("table order: %v, %v, %v", d.Tables[0].Name, d.Tables[1].Name, d.Tables[2].Name)
	}

	orders := tables["orders"]
	wantFields := map[string]Field{
		"on_invalid": {Name: "on_invalid", Old: "quarantine", New: "drop"},
		"sinks":      {Name: "sinks", Old: "files", New: "files, lake"},
	}
	if len(orders.Fields) != len(wantFields) {
		t.Errorf("orders fields: %+v", orders.Fields)
	}
	for _, f := range orders.Fields {
		if wantFields[f.Name] != f {
			t.Errorf("orders field %+v, want %+v", f, wantFields[f.Name])
		}
	}
	rules := map[string]Rule{}
	for _, r := range orders.Rules {
		rules[r.Name] = r
	}
	want := map[string]Rule{
		"range_num_of_item": {Name: "range_num_of_item", Change: Changed, Old: "range(num_of_item: 1..4)", New: "range(num_of_item: 1..5)"},
		"recent":            {Name: "recent", Change: Removed, Old: "expression(created_at > TIMESTAMP '2020-01-01')"},
		"known":             {Name: "known", Change: Added, New: "accepted_values(status: Shipped, Complete) warn"},
		"gender_accepted":   {Name: "gender_accepted", Change: Removed, Builtin: true, Old: "accepted_values(gender: M, F)"},
	}
	if len(rules) != len(want) {
		t.Errorf("orders rules: %+v", orders.Rules)
	}
	for name, w := range want {
		if rules[name] != w {
			t.Errorf("rule %s: %+v, want %+v", name, rules[name], w)
		}
	}
	// An added table lists its spec rules, not the built-in ones it comes with.
	if p := tables["products"]; len(p.Rules) != 1 || p.Rules[0].New != "not_null(brand)" {
		t.Errorf("products rules: %+v", p.Rules)
	}

	if len(d.Sinks) != 1 || d.Sinks[0].Name != "lake" || d.Sinks[0].Change != Added {
		t.Fatalf("sinks: %+v", d.Sinks)
	}
	if a, c, r := d.TableCounts(); a != 1 || c != 1 || r != 1 {
		t.Errorf("table counts %d %d %d", a, c, r)
	}

	// The JSON form is what `plan --against --format json` prints: it must round-trip.
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back Diff
	if err := json.Unmarshal(b, &back); err != nil || len(back.Tables) != 3 {
		t.Fatalf("round trip: %v, %s", err, b)
	}
}

func TestRuleSummaryOpenRange(t *testing.T) {
	p := plan(t, `version: 1
name: s
source: {kind: thelook}
warehouse: {path: w.duckdb}
tables:
  - name: orders
    rules:
      - {check: range, column: num_of_item, min: 2}
      - {check: row_count, max: 10, severity: warn}
`)
	var got []string
	for _, r := range specRules(p.Tables[0].Rules) {
		got = append(got, rules.Summary(r))
	}
	if len(got) != 2 || got[0] != "range(num_of_item: 2..)" || got[1] != "row_count(..10) warn" {
		t.Errorf("summaries: %q", got)
	}
}
