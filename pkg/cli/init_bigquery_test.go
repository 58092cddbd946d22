package cli

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/internal/bqemulator"
)

// The bigquery form of init against goccy/bigquery-emulator (built once by `make
// bigquery-emulator`, as for pkg/stages/bigquery's tests): a dataset holding
// thelook's orders and a table of its own with a column of each type. The
// printed spec names orders alone, declares the other with its columns and key,
// and validates and applies as printed, against the emulator.
func TestInitFromBigQueryAppliesAsPrinted(t *testing.T) {
	const project = "ecomrun-test"
	url := startInitEmulator(t, project, map[string]any{"id": "shop", "tables": []any{
		map[string]any{"id": "orders", "columns": cols("order_id:INT64 user_id:INT64 status:STRING gender:STRING created_at:TIMESTAMP " +
			"returned_at:TIMESTAMP shipped_at:TIMESTAMP delivered_at:TIMESTAMP num_of_item:INT64"),
			"data": []map[string]any{
				{"order_id": 1, "user_id": 7, "status": "Processing", "gender": "F", "created_at": "2024-06-23T10:00:00Z", "num_of_item": 1},
				{"order_id": 2, "user_id": 8, "status": "Processing", "gender": "M", "created_at": "2024-06-24T10:00:00Z", "num_of_item": 2},
			}},
		map[string]any{"id": "customers", "columns": cols("customer_id:INT64 email:STRING signed_up_at:TIMESTAMP lifetime_value:FLOAT64 " +
			"active:BOOL birthday:DATE balance:NUMERIC last_seen:DATETIME prefs:JSON"),
			"data": []map[string]any{
				{"customer_id": 1, "email": "a@x.com", "signed_up_at": "2024-06-23T23:41:55Z", "lifetime_value": 12.5, "active": true,
					"birthday": "1990-01-02", "balance": "10.25", "last_seen": "2024-01-01T10:00:00", "prefs": `{"a":1}`},
				{"customer_id": 2, "email": nil, "signed_up_at": nil, "lifetime_value": nil, "active": false,
					"birthday": nil, "balance": nil, "last_seen": nil, "prefs": nil},
				{"customer_id": 3, "email": "c@x.com", "signed_up_at": nil, "lifetime_value": -1.0, "active": nil,
					"birthday": "2000-12-31", "balance": "-3.5", "last_seen": nil, "prefs": nil},
			}},
	}})
	t.Chdir(t.TempDir())
	ctx := context.Background()
	run := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := Execute(ctx, args, &out, &errb); code != ExitOK {
			t.Fatalf("ecomrun %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
		}
		return out.String()
	}
	spec := run("init", "--from", "bigquery:"+project+".shop", "--endpoint", url)
	for _, want := range []string{
		`(?m)^  kind: bigquery$`,
		`(?m)^  dataset: ecomrun-test.shop$`,
		`(?m)^  endpoint: ` + regexp.QuoteMeta(url) + `$`,
		`(?m)^  path: out/shop.duckdb`,
		`(?m)^  - name: orders    # thelook's built-in model`,
		`(?m)^  - name: customers    # from customers\n    key: customer_id    # unique and never NULL in the 3 rows read\n    columns:\n` +
			`      - \{name: customer_id, type: INT64, required: true\}\n      - \{name: email, type: STRING\}\n` +
			`      - \{name: signed_up_at, type: TIMESTAMP\}\n      - \{name: lifetime_value, type: FLOAT64\}\n` +
			`      - \{name: active, type: BOOL\}\n      - \{name: birthday, type: DATE\}\n      - \{name: balance, type: NUMERIC\}\n` +
			`      - \{name: last_seen, type: DATETIME\}\n      - \{name: prefs, type: JSON\}\n`,
	} {
		if !regexp.MustCompile(want).MatchString(spec) {
			t.Errorf("the spec does not match %s:\n%s", want, spec)
		}
	}
	if err := os.WriteFile("spec.yaml", []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	run("validate", "spec.yaml")
	out := run("apply", "spec.yaml", "--quiet")
	for _, want := range []string{`(?m)^orders +ok +2 +2 +0 +0$`, `(?m)^customers +ok +3 +3 +0 +0$`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("apply's summary does not match %s:\n%s", want, out)
		}
	}
	// --tables keeps the named ones; a name not there is one line, exit 2.
	if s := run("init", "--from", "bigquery:"+project+".shop", "--endpoint", url, "--tables", "customers"); strings.Contains(s, "name: orders") {
		t.Errorf("--tables customers kept orders:\n%s", s)
	}
	var errb bytes.Buffer
	if code := Execute(ctx, []string{"init", "--from", "bigquery:" + project + ".nope", "--endpoint", url}, &bytes.Buffer{}, &errb); code != ExitUsage ||
		strings.Count(errb.String(), "\n") != 1 {
		t.Errorf("a missing dataset: exit %d, want 2 and one line:\n%s", code, errb.String())
	}
}

// cols spells an emulator table's columns as "name:TYPE ...".
func cols(s string) []map[string]string {
	var out []map[string]string
	for _, f := range strings.Fields(s) {
		name, typ, _ := strings.Cut(f, ":")
		out = append(out, map[string]string{"name": name, "type": typ})
	}
	return out
}

// startInitEmulator runs the emulator with the given dataset of project and
// returns its REST endpoint; it is killed when the test ends.
func startInitEmulator(t *testing.T, project string, dataset map[string]any) string {
	t.Helper()
	return bqemulator.Start(t, project, map[string]any{"projects": []any{map[string]any{"id": project, "datasets": []any{dataset}}}}).URL
}
