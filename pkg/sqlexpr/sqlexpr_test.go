package sqlexpr

import (
	"context"
	"strings"
	"sync"
	"testing"
)

var cols = []string{"order_id", "status", "gender", "created_at", "shipped_at", "num_of_item", `odd "name`}

// Each accepted condition renders in both dialects exactly so.
func TestRender(t *testing.T) {
	for _, tc := range []struct{ in, duckdb, google string }{
		{"status IS DISTINCT FROM 'x'", `("status" IS DISTINCT FROM 'x')`, "(`status` IS DISTINCT FROM 'x')"},
		{"EXTRACT(year FROM created_at) = 2020", `(date_part('year', "created_at") = 2020)`, "(EXTRACT(YEAR FROM `created_at`) = 2020)"},
		{"created_at > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 3 DAY)", `("created_at" > (now() - INTERVAL 3 DAY))`,
			"(`created_at` > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 3 DAY))"},
		{"created_at > now() - INTERVAL (num_of_item) HOUR", `("created_at" > (now() - INTERVAL ("num_of_item") HOUR))`,
			"(`created_at` > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL (`num_of_item`) HOUR))"},
		{"CASE status WHEN 'a' THEN 1 ELSE 2 END = 1", `(CASE WHEN ("status" = 'a') THEN 1 ELSE 2 END = 1)`,
			"(CASE WHEN (`status` = 'a') THEN 1 ELSE 2 END = 1)"},
		{"status NOT IN ('a', 'b''c')", `("status" NOT IN ('a', 'b''c'))`, "(`status` NOT IN ('a', 'b\\'c'))"},
		{"num_of_item NOT BETWEEN 1 AND 4.5", `(NOT ("num_of_item" BETWEEN 1 AND 4.5))`, "(NOT (`num_of_item` BETWEEN 1 AND 4.5))"},
		{"status ILIKE 'x%'", `("status" ILIKE 'x%')`, "(LOWER(`status`) LIKE LOWER('x%'))"},
		{`"Status" = 'x' -- comment`, `("status" = 'x')`, "(`status` = 'x')"},
		{"num_of_item = -1 OR num_of_item > 1e3", `(("num_of_item" = (-1)) OR ("num_of_item" > 1e+03))`, "((`num_of_item` = (-1)) OR (`num_of_item` > 1e+03))"},
		{"TRY_CAST(status AS INT) = 1", `(TRY_CAST("status" AS INTEGER) = 1)`, "(SAFE_CAST(`status` AS INT64) = 1)"},
		{`"odd ""name" = 'a\b'`, `("odd ""name" = 'a\b')`, "(`odd \"name` = 'a\\\\b')"},
		{"status = 'line\nbreak'", "(\"status\" = 'line\nbreak')", "(`status` = 'line\\nbreak')"},
		{"num_of_item % 2 = 0 AND num_of_item // 2 = 1", `((("num_of_item" % 2) = 0) AND (("num_of_item" // 2) = 1))`,
			"((MOD(`num_of_item`, 2) = 0) AND (DIV(`num_of_item`, 2) = 1))"},
	} {
		c, err := Parse(context.Background(), tc.in, cols)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got := c.DuckDB(); got != tc.duckdb {
			t.Errorf("%s: DuckDB\n got %s\nwant %s", tc.in, got, tc.duckdb)
		}
		if got, err := c.SQL(GoogleSQL); err != nil || got != tc.google {
			t.Errorf("%s: GoogleSQL\n got %s (%v)\nwant %s", tc.in, got, err, tc.google)
		}
	}
}

// The smuggling attempt of issue 13 is refused; its variant that DuckDB reads as one
// string renders in GoogleSQL as one string literal, with no subquery outside it.
func TestSmugglingRendersNoSubquery(t *testing.T) {
	if _, err := Parse(context.Background(), `status = 'a\'' OR EXISTS(SELECT 1 FROM `+"`other.secret.t`"+`) OR status = '\''`, cols); err == nil {
		t.Error("the smuggling attempt was accepted")
	}
	c, err := Parse(context.Background(), `status = 'a\'' OR EXISTS(SELECT 1 FROM `+"`other.secret.t`"+`) OR TRUE #'`, cols)
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.SQL(GoogleSQL)
	if err != nil {
		t.Fatal(err)
	}
	want := "(`status` = 'a\\\\\\' OR EXISTS(SELECT 1 FROM `other.secret.t`) OR TRUE #')"
	if g != want {
		t.Fatalf("got  %s\nwant %s", g, want)
	}
	// Outside the one literal, read as GoogleSQL reads it, there is only the comparison.
	if rest := strings.TrimSuffix(strings.TrimPrefix(g, "(`status` = "), ")"); !googleOneString(rest) {
		t.Errorf("%s is not one GoogleSQL string literal", rest)
	}
}

// googleOneString reports whether s is exactly one '...' literal with backslash escapes.
func googleOneString(s string) bool {
	if len(s) < 2 || s[0] != '\'' {
		return false
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '\'':
			return i == len(s)-1
		}
	}
	return false
}

// What has no translation is refused for GoogleSQL only.
func TestNoTranslation(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"date_diff('day', created_at, shipped_at) < 3", "date_diff has no BigQuery translation"},
		{"status GLOB 'a*'", "GLOB"},
		{"greatest(num_of_item, 2) = 2", "greatest"},
		{"created_at - INTERVAL 1 MONTH < now()", "not MONTH"},
		{"CAST(status AS INTERVAL) IS NULL", "CAST to INTERVAL"},
	} {
		c, err := Parse(context.Background(), tc.in, cols)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if _, err := c.SQL(GoogleSQL); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.in, err, tc.want)
		}
	}
}

// The shared parser opens once and serves concurrent checks.
func TestConcurrentParse(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := Parse(context.Background(), "num_of_item > "+strings.Repeat("1", i%5+1), cols)
			if err == nil && !strings.HasPrefix(c.DuckDB(), `("num_of_item" > 1`) {
				err = &testErr{c.DuckDB()}
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

type testErr struct{ s string }

func (e *testErr) Error() string { return "unexpected rendering " + e.s }

func TestRefusesDeepNesting(t *testing.T) {
	in := strings.Repeat("NOT ", 300) + "TRUE"
	if _, err := Parse(context.Background(), in, cols); err == nil {
		t.Error("accepted 300 nested NOTs")
	}
}
