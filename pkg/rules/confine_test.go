package rules

import (
	"context"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/sqlexpr"
)

var orderColumns = []string{"order_id", "user_id", "status", "gender", "created_at", "returned_at", "shipped_at", "delivered_at", "num_of_item"}

func TestCheckExpressionAllowsConditionsOverTheRow(t *testing.T) {
	for _, expr := range []string{
		"shipped_at IS NULL OR shipped_at >= created_at",
		`"status" IN ('Shipped', 'Complete') AND num_of_item BETWEEN 1 AND 4`,
		"created_at >= TIMESTAMPTZ '2019-01-01' AND created_at < now_ts",
		"coalesce(delivered_at <= returned_at, TRUE)",
		"date_diff('day', created_at, shipped_at) <= 3",
		"lower(gender) = 'm' OR gender::VARCHAR LIKE 'F%'",
		"CASE status WHEN 'Processing' THEN shipped_at IS NULL ELSE TRUE END",
		"status = 'it''s; fine -- inside a string'",
		"num_of_item * 2.5e0 > 1",
		"shipped_at IS DISTINCT FROM delivered_at",
		"EXTRACT(year FROM created_at) >= 2020",
		"created_at > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 3 DAY)",
		"created_at > now() - INTERVAL 3 DAY",
		"((status = 'Shipped') OR (NOT (gender <> 'F')))",
		`"Status" ILIKE 'ship%' AND status NOT LIKE '%x'`,
		"status = 'x' -- a comment that hides nothing",
	} {
		cols := append(orderColumns, "now_ts")
		if err := CheckExpression(expr, cols); err != nil {
			t.Errorf("%s: %v", expr, err)
		}
	}
}

// Each escape a hostile spec could try is refused with a reason.
func TestCheckExpressionRefusesEscapes(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"1 = 1; DROP TABLE orders", "not statements"},
		{"status = 'x'; SELECT 1", "not statements"},
		{"order_id IN (SELECT id FROM users)", "subquery"},
		{"EXISTS (SELECT 1)", "subquery"},
		{"(SELECT count(*) FROM read_csv('/etc/passwd')) > 0", "subquery"},
		{"read_csv('/etc/passwd') IS NOT NULL", "function read_csv is not allowed"},
		{"getenv('AWS_SECRET_ACCESS_KEY') = ''", "function getenv is not allowed"},
		{"length(read_text('/etc/passwd')) > 0", "function read_text is not allowed"},
		{"current_setting('s3_secret_access_key') IS NULL", "function current_setting is not allowed"},
		{`status = 'a\'' OR EXISTS(SELECT 1 FROM ` + "`other.secret.t`" + `) OR status = '\''`, "syntax error"},
		{"status = 'x' # hidden", `syntax error at or near "#"`},
		{"status = 'x') OR (TRUE --", "syntax error"},
		{"(status = 'x' -- )", "syntax error"},
		{"status = 'x' LIMIT 1", "goes on after the condition"},
		{"status = 'x' ORDER BY 1", "goes on after the condition"},
		{"secret_column = 1", "unknown column secret_column (the row has order_id"},
		{`"users"."id" = 1`, "qualified name users.id"},
		{"status = $1", "parameter"},
		{"status = ?", "parameter"},
		{"COLUMNS(*) IS NULL", "*"},
		{"count(*) > 1", "aggregate"},
		{"sum(num_of_item) OVER () > 1", "window"},
		{"status = 'unterminated", "unterminated"},
		{"(status = 'x'", "syntax error"},
		{"ATTACH 'x' AS y", "syntax error"},
		{"", "empty"},
	} {
		err := CheckExpression(tc.expr, orderColumns)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want one mentioning %q", tc.expr, err, tc.want)
		}
	}
}

// A where: of a bigquery source must have a GoogleSQL translation.
func TestCheckConditionForBigQuery(t *testing.T) {
	if err := CheckCondition("created_at > now() - INTERVAL 3 DAY", orderColumns, sqlexpr.GoogleSQL); err != nil {
		t.Error(err)
	}
	err := CheckCondition("date_diff('day', created_at, shipped_at) <= 3", orderColumns, sqlexpr.GoogleSQL)
	if err == nil || !strings.Contains(err.Error(), "date_diff has no BigQuery translation") {
		t.Errorf("err = %v", err)
	}
	if err := CheckCondition("date_diff('day', created_at, shipped_at) <= 3", orderColumns, sqlexpr.DuckDB); err != nil {
		t.Error(err)
	}
}

// The built-in models' own expressions pass the same gate as a spec's.
func TestBuiltinStyleExpressionsPass(t *testing.T) {
	expr := `CASE status
  WHEN 'Processing' THEN shipped_at IS NULL AND delivered_at IS NULL AND returned_at IS NULL
  WHEN 'Returned' THEN shipped_at IS NOT NULL AND delivered_at IS NOT NULL AND returned_at IS NOT NULL
  ELSE TRUE END`
	if err := CheckExpression(expr, orderColumns); err != nil {
		t.Fatal(err)
	}
	c, err := sqlexpr.Parse(context.Background(), expr, orderColumns)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(c.DuckDB(), "\n") {
		t.Errorf("rendered with the text's newlines: %s", c.DuckDB())
	}
}
