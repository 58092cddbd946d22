package rules

import (
	"strings"
	"testing"
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
		{"1 = 1; DROP TABLE orders", "';'"},
		{"order_id IN (SELECT id FROM users)", "SELECT is not allowed"},
		{"EXISTS (SELECT 1)", "EXISTS is not allowed"},
		{"(SELECT count(*) FROM read_csv('/etc/passwd')) > 0", "SELECT is not allowed"},
		{"read_csv('/etc/passwd') IS NOT NULL", "function read_csv is not allowed"},
		{"getenv('AWS_SECRET_ACCESS_KEY') = ''", "function getenv is not allowed"},
		{"length(read_text('/etc/passwd')) > 0", "function read_text is not allowed"},
		{"current_setting('s3_secret_access_key') IS NULL", "function current_setting is not allowed"},
		{"status = 'x' -- hidden", "comment"},
		{"status = 'x' /* hidden */", "comment"},
		{"secret_column = 1", "unknown column secret_column"},
		{`"users"."id" = 1`, `unknown column "users"`},
		{"status = $1", "parameter"},
		{"status = 'unterminated", "unterminated"},
		{"(status = 'x'", "unbalanced"},
		{"ATTACH", "ATTACH is not allowed"},
		{"", "empty"},
	} {
		err := CheckExpression(tc.expr, orderColumns)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want one mentioning %q", tc.expr, err, tc.want)
		}
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
}
