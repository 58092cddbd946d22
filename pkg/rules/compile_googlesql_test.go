package rules

import (
	"strings"
	"testing"
)

// The GoogleSQL pass lists the rules in Compile's order, type rules first, and
// quotes every name and value by GoogleSQL's rules (verdicts are compared with
// DuckDB's in pkg/stages/bigquery, through the emulator).
func TestCompileGoogleSQLOrderAndQuoting(t *testing.T) {
	cols := []Column{{"id", "BIGINT"}, {"status", "VARCHAR"}, {"created_at", "TIMESTAMPTZ"}, {"price", "DOUBLE"}}
	rs := []Rule{
		{Name: "status_known", Check: AcceptedValues, Column: "status", Values: []any{`it's \ odd`}},
		{Name: "recent", Check: Range, Column: "created_at", Min: "2019-01-01"},
		{Name: "price_unique", Check: Unique, Column: "price"},
		{Name: "rows", Check: RowCount, Min: 1},
	}
	g, err := CompileGoogleSQL(GoogleTarget{Relation: "`p`.`d`.`t`", Columns: cols, Raw: true}, rs)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Compile(Target{Relation: "t", Columns: cols, Raw: true}, rs)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Rules) != len(d.Rules) || len(g.TableRules) != 1 {
		t.Fatalf("%d rules and %d table rules, DuckDB has %d", len(g.Rules), len(g.TableRules), len(d.Rules))
	}
	for i := range g.Rules {
		if g.Rules[i].Name != d.Rules[i].Name {
			t.Errorf("rule %d is %s, DuckDB's is %s", i, g.Rules[i].Name, d.Rules[i].Name)
		}
	}
	for _, want := range []string{`'it\'s \\ odd'`, "TIMESTAMP '2019-01-01'", "PARTITION BY CAST(`price` AS STRING)", "SAFE_CAST(`created_at` AS TIMESTAMP)"} {
		if !strings.Contains(g.Verdicts, want) {
			t.Errorf("the verdicts lack %s:\n%s", want, g.Verdicts)
		}
	}
}

// A condition with no GoogleSQL translation is refused with the reason.
func TestCompileGoogleSQLRefusesUntranslatable(t *testing.T) {
	_, err := CompileGoogleSQL(GoogleTarget{Relation: "t", Columns: []Column{{"a", "TIMESTAMPTZ"}, {"b", "TIMESTAMPTZ"}}},
		[]Rule{{Name: "quick", Check: Expression, SQL: "date_diff('day', a, b) < 3"}})
	if err == nil || !strings.Contains(err.Error(), "rule quick") || !strings.Contains(err.Error(), "no BigQuery translation") {
		t.Fatalf("err = %v", err)
	}
}
