package spec

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/rules"
)

// planText prints a plan for a golden file: tables with their effective rules, then
// the stages with what they wait for.
func planText(p *Plan) string {
	var b strings.Builder
	for _, t := range p.Tables {
		fmt.Fprintf(&b, "table %s on_invalid=%s sinks=%s\n", t.Name, t.OnInvalid, strings.Join(t.Sinks, ","))
		for _, r := range t.Rules {
			origin := "spec"
			if r.Builtin {
				origin = "builtin"
			}
			fmt.Fprintf(&b, "  rule %s %s %s %s\n", r.Name, r.Check, r.Severity, origin)
		}
	}
	for _, s := range p.Stages {
		fmt.Fprintf(&b, "stage %s", s.ID)
		if len(s.DependsOn) > 0 {
			fmt.Fprintf(&b, " <- %s", strings.Join(s.DependsOn, ", "))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func compileTestFile(t *testing.T, path string) *Plan {
	t.Helper()
	s, diags := loadTestFile(t, path)
	if len(diags) > 0 {
		t.Fatal(render(diags))
	}
	p, diags := Compile(s)
	if len(diags) > 0 {
		t.Fatal(render(diags))
	}
	return p
}

func TestCompileFullSpec(t *testing.T) {
	p := compileTestFile(t, "testdata/full.yaml")
	type stage struct{ id, deps string }
	var got []stage
	for _, s := range p.Stages {
		got = append(got, stage{s.ID, strings.Join(s.DependsOn, " ")})
	}
	want := []stage{
		{"extract.orders", ""},
		{"validate.orders", "extract.orders"},
		{"load.orders", "validate.orders"},
		{"sink.files.orders", "load.orders"},
		{"sink.lake.orders", "load.orders"},
		{"extract.users", ""},
		{"validate.users", "extract.users"},
		{"load.users", "validate.users"},
		{"sink.files.users", "load.users"},
		{"sink.lake.users", "load.users"},
		{"extract.events", ""},
		{"validate.events", "extract.events"},
		{"load.events", "validate.events"},
		{"sink.files.events", "load.events"},
		{"sink.lake.events", "load.events"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("stages:\n got %v\nwant %v", got, want)
	}
	for _, s := range p.Stages {
		wantLine := map[string]int{"orders": 11, "users": 17, "events": 18}[s.Table]
		if s.Kind == StageSink {
			wantLine = map[string]int{"files": 20, "lake": 21}[s.Sink]
		}
		if s.Pos.Line != wantLine || s.Pos.File != "testdata/full.yaml" {
			t.Errorf("stage %s at %v, want line %d", s.ID, s.Pos, wantLine)
		}
	}
	orders := p.Table("orders")
	if orders.Model == nil || orders.Model.Table != "orders" || orders.Pos.Line != 11 {
		t.Errorf("orders plan: model %v, pos %v", orders.Model, orders.Pos)
	}
	for _, r := range orders.Rules {
		if r.Builtin && r.Pos.Line != 11 {
			t.Errorf("built-in rule %s at %v, want the table's position", r.Name, r.Pos)
		}
		if r.Optional {
			t.Errorf("optional rule %s is in the plan without being enabled", r.Name)
		}
	}
	golden(t, "testdata/full.plan.golden", planText(p))
}

func TestCompileRelationships(t *testing.T) {
	src := head + `  - name: products
  - name: order_items
    enable: [order_id_references, product_id_references]
    rules:
      - {check: relationship, column: user_id, to: users.id, severity: warn}
      - {check: relationship, column: id, to: order_items.id}
  - name: users
  - name: orders
    enable: [user_id_references]
    disable: [gender_accepted]
sinks:
  - {name: only_orders, kind: csv, path: o, tables: [orders]}
`
	s, diags := Load("t.yaml", []byte(src), noEnv)
	if len(diags) > 0 {
		t.Fatal(render(diags))
	}
	p, diags := Compile(s)
	if len(diags) > 0 {
		t.Fatal(render(diags))
	}
	deps := map[string][]string{}
	for _, st := range p.Stages {
		deps[st.ID] = st.DependsOn
	}
	// Built-in relationships come in model order, then the spec's; a relationship to
	// the table itself needs no other load.
	if got, want := deps["validate.order_items"], []string{"extract.order_items", "load.orders", "load.products", "load.users"}; !slices.Equal(got, want) {
		t.Errorf("validate.order_items depends on %q, want %q", got, want)
	}
	if got, want := deps["validate.orders"], []string{"extract.orders", "load.users"}; !slices.Equal(got, want) {
		t.Errorf("validate.orders depends on %q, want %q", got, want)
	}
	if _, ok := deps["sink.only_orders.users"]; ok {
		t.Error("a sink limited to orders got a users stage")
	}
	if got := p.Table("users").Sinks; len(got) != 0 {
		t.Errorf("users sinks = %q", got)
	}
	orders := p.Table("orders")
	var names []string
	for _, r := range orders.Rules {
		names = append(names, r.Name)
	}
	if slices.Contains(names, "gender_accepted") || !slices.Contains(names, "user_id_references") {
		t.Errorf("orders rules = %q: want gender_accepted disabled and user_id_references enabled", names)
	}
}

// TestCompileGoSpec: a Spec built in Go, without a file behind it, gets defaults and
// the same checks, with positions from its Pos fields.
func TestCompileGoSpec(t *testing.T) {
	s := &Spec{
		Version: 1, Source: Source{Kind: "thelook"}, Warehouse: Warehouse{Path: "w"},
		Tables: []Table{{Name: "users", Rules: []rules.Rule{{Check: rules.NotNull, Column: "email"}, {Check: rules.Expression, SQL: "age > 0"}}}},
	}
	before := fmt.Sprintf("%#v", *s)
	p, diags := Compile(s)
	if len(diags) > 0 {
		t.Fatal(render(diags))
	}
	if after := fmt.Sprintf("%#v", *s); after != before {
		t.Error("Compile changed the spec")
	}
	users := p.Tables[0]
	n := len(users.Rules)
	if users.OnInvalid != OnInvalidQuarantine || users.Rules[n-2].Name != "not_null_email" ||
		users.Rules[n-1].Name != "expression_2" || users.Rules[n-1].Severity != rules.SeverityError {
		t.Errorf("defaults: on_invalid %q, rules %+v", users.OnInvalid, users.Rules[n-2:])
	}

	s.Tables = append(s.Tables, Table{Name: "invoices"})
	s.Tables[0].Rules = append(s.Tables[0].Rules, rules.Rule{Check: rules.Relationship, Column: "id", To: "orders.user_id"})
	s.Tables = append(s.Tables, Table{Name: "orders", Enable: []string{"user_id_references"}})
	s.Tables[0].Pos.Line, s.Tables[1].Pos.Line, s.Tables[2].Pos.Line = 10, 20, 30
	p, diags = Compile(s)
	want := []string{`20:0: unknown table "invoices"`, "30:0: relationship cycle: users -> orders -> users"}
	if got := short(diags); p != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
