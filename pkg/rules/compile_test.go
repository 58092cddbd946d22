package rules_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

// violations evaluates rules over rows and returns, per row id, the sorted names of
// the rules it broke (rows breaking nothing are absent) and whether it was rejected.
func violations(t *testing.T, w *warehouse.Warehouse, target rules.Target, rs []rules.Rule) (map[int64][]string, map[int64]bool) {
	t.Helper()
	c, err := rules.Compile(target, rs)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := w.DB.Query(fmt.Sprintf("SELECT s.id::BIGINT, v._violations::VARCHAR, v._reject FROM (%s) v JOIN %s s ON s.rowid = v._row", c.Violations, target.Relation))
	if err != nil {
		t.Fatalf("%v\n%s", err, c.Violations)
	}
	defer rows.Close()
	got, rejected := map[int64][]string{}, map[int64]bool{}
	for rows.Next() {
		var id int64
		var list string
		var reject bool
		if err := rows.Scan(&id, &list, &reject); err != nil {
			t.Fatal(err)
		}
		names := strings.Split(strings.Trim(list, "[]"), ", ")
		slices.Sort(names)
		got[id], rejected[id] = names, reject
	}
	return got, rejected
}

func openWarehouse(t *testing.T, setup ...string) *warehouse.Warehouse {
	t.Helper()
	w, err := warehouse.Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	for _, q := range setup {
		if err := w.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return w
}

func TestEveryRowRuleKind(t *testing.T) {
	w := openWarehouse(t,
		`CREATE TABLE parent AS SELECT * FROM (VALUES (1), (2)) p(id)`,
		`CREATE TABLE t (id BIGINT, status VARCHAR, n BIGINT, email VARCHAR, a TIMESTAMPTZ, b TIMESTAMPTZ, parent_id BIGINT)`,
		`INSERT INTO t VALUES
			(1, 'ok',  1, 'x@y.com', '2024-01-01', '2024-01-02', 1),
			(2, NULL,  2, 'x@y.com', NULL, NULL, NULL),
			(3, 'bad', 2, 'x@y.com', NULL, NULL, 2),
			(4, 'ok',  9, 'x@y.com', NULL, NULL, 1),
			(5, 'ok',  1, 'nope',    NULL, NULL, 1),
			(6, 'ok',  1, 'x@y.com', '2024-01-02', '2024-01-01', 1),
			(7, 'ok',  1, 'x@y.com', NULL, NULL, 7),
			(7, 'ok',  1, 'x@y.com', NULL, NULL, 1)`,
	)
	cols := []rules.Column{{"id", "BIGINT"}, {"status", "VARCHAR"}, {"n", "BIGINT"}, {"email", "VARCHAR"},
		{"a", "TIMESTAMPTZ"}, {"b", "TIMESTAMPTZ"}, {"parent_id", "BIGINT"}}
	rs := []rules.Rule{
		{Name: "status_not_null", Check: rules.NotNull, Column: "status"},
		{Name: "id_unique", Check: rules.Unique, Column: "id"},
		{Name: "status_known", Check: rules.AcceptedValues, Column: "status", Values: []any{"ok"}},
		{Name: "n_range", Check: rules.Range, Column: "n", Min: 1, Max: 4},
		{Name: "email_shape", Check: rules.Pattern, Column: "email", Pattern: `[^@]+@[^@]+`, Severity: rules.SeverityWarn},
		{Name: "a_before_b", Check: rules.Expression, SQL: "a <= b"},
		{Name: "parent_exists", Check: rules.Relationship, Column: "parent_id", To: "parent.id"},
	}
	got, rejected := violations(t, w, rules.Target{Relation: "t", Columns: cols,
		Resolve: func(table string) string { return table }}, rs)
	want := map[int64][]string{
		2: {"status_not_null"},
		3: {"status_known"},
		4: {"n_range"},
		5: {"email_shape"},
		6: {"a_before_b"},
		7: {"id_unique", "parent_exists"}, // both rows with id 7 are duplicates; only one has a missing parent
	}
	for id, names := range want {
		if id == 7 {
			continue
		}
		if !slices.Equal(got[id], names) {
			t.Errorf("row %d broke %v, want %v", id, got[id], names)
		}
	}
	if !slices.Contains(got[7], "id_unique") {
		t.Errorf("duplicate id 7 broke %v, want id_unique among them", got[7])
	}
	if len(got) != 6 {
		t.Errorf("%d rows flagged, want 6 (rows 2-7): %v", len(got), got)
	}
	if rejected[5] {
		t.Error("row 5 broke only a warn rule but was rejected")
	}
	if !rejected[2] || !rejected[6] {
		t.Error("rows breaking error rules were not rejected")
	}
	if _, ok := got[1]; ok {
		t.Error("the clean row 1 was flagged")
	}
}

func TestRawValuesThatDoNotCastBreakTypeRules(t *testing.T) {
	w := openWarehouse(t,
		`CREATE TABLE raw (id VARCHAR, age VARCHAR, created_at VARCHAR, name VARCHAR)`,
		`INSERT INTO raw VALUES ('1', '30', '2024-01-01 10:00:00+00', 'a'), ('2', 'ten', '2024-01-01', 'b'),
			('3', '40', 'yesterday', 'c'), ('4', NULL, NULL, NULL), ('5', '200', '2024-01-01', 'd')`,
	)
	cols := []rules.Column{{"id", "BIGINT"}, {"age", "BIGINT"}, {"created_at", "TIMESTAMPTZ"}, {"name", "VARCHAR"}}
	got, _ := violations(t, w, rules.Target{Relation: "raw", Columns: cols, Raw: true},
		[]rules.Rule{{Name: "age_range", Check: rules.Range, Column: "age", Min: 12, Max: 70}})
	want := map[int64][]string{2: {"type_age"}, 3: {"type_created_at"}, 5: {"age_range"}}
	if len(got) != len(want) {
		t.Fatalf("flagged %v, want %v", got, want)
	}
	for id, names := range want {
		if !slices.Equal(got[id], names) {
			t.Errorf("row %d broke %v, want %v", id, got[id], names)
		}
	}
}

func TestNoRulesFlagsNothing(t *testing.T) {
	w := openWarehouse(t, `CREATE TABLE t AS SELECT range AS id FROM range(5)`)
	got, _ := violations(t, w, rules.Target{Relation: "t", Columns: []rules.Column{{"id", "BIGINT"}}}, nil)
	if len(got) != 0 {
		t.Fatalf("flagged %v with no rules", got)
	}
}

// A column the target says is distinct breaks no unique or duplicate rule, and
// keeps every other rule; the same rows without the word are checked in full.
func TestDistinctColumnsSkipOnlyTheirKeyRules(t *testing.T) {
	w := openWarehouse(t, `CREATE TABLE t AS SELECT * FROM (VALUES (1, 7, 5), (2, 7, 50), (3, 8, 5)) v(id, k, n)`)
	cols := []rules.Column{{"id", "BIGINT"}, {"k", "BIGINT"}, {"n", "BIGINT"}}
	rs := []rules.Rule{{Name: "k_unique", Check: rules.Unique, Column: "k"}, {Name: "k_dup", Check: rules.Duplicate, Column: "k"},
		{Name: "n_unique", Check: rules.Unique, Column: "n"}, {Name: "n_range", Check: rules.Range, Column: "n", Max: 10}}
	for _, tc := range []struct {
		distinct func(string) bool
		want     map[int64][]string
	}{
		{nil, map[int64][]string{1: {"k_unique", "n_unique"}, 2: {"k_dup", "k_unique", "n_range"}, 3: {"n_unique"}}},
		{func(c string) bool { return c == "k" }, map[int64][]string{1: {"n_unique"}, 2: {"n_range"}, 3: {"n_unique"}}},
	} {
		got, _ := violations(t, w, rules.Target{Relation: "t", Columns: cols, Distinct: tc.distinct}, rs)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("distinct %v: flagged %v, want %v", tc.distinct != nil, got, tc.want)
		}
	}
}
