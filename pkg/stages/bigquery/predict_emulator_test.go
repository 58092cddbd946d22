package bigquery_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	gbq "cloud.google.com/go/bigquery"
	"google.golang.org/api/option"

	"github.com/ecomrun/ecomrun/pkg/cli"
	"github.com/ecomrun/ecomrun/pkg/stages/bigquery"
)

// plan --predict counts in BigQuery, before any run, the rows each rule would
// reject: the counts equal the report of the apply that follows on the same data,
// rule by rule, and the Markdown plan shows them.
func TestPredictEqualsTheApplyThatFollows(t *testing.T) {
	emu := startEmulatorWith(t, dataset{ID: e2eDataset, Tables: e2eTables(t)})
	client, err := gbq.NewClient(context.Background(), testProject, option.WithEndpoint(emu.url), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	bqRows(t, client, fmt.Sprintf("CREATE TABLE `%[1]s.%[2]s.users` AS SELECT * REPLACE (ST_GEOGFROMTEXT(user_geom) AS user_geom) FROM `%[1]s.%[2]s.users_text`",
		testProject, e2eDataset))
	dir := t.TempDir()
	source := fmt.Sprintf("{kind: bigquery, project: %s, dataset: %s.%s, endpoint: %q, read: rest}", testProject, testProject, e2eDataset, emu.url)
	plan := compileTables(t, dir, "predict", source, e2eSpec("quarantine", "drop"))
	src, err := bigquery.New(plan.Spec.Source.Config.(*bigquery.Config))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	predicted := map[string]*bigquery.Prediction{}
	for i := range plan.Tables {
		p, err := src.Predict(context.Background(), &plan.Tables[i], nil) // no run yet: no watermark
		if err != nil {
			t.Fatal(err)
		}
		predicted[plan.Tables[i].Name] = p
	}
	rep := mustApply(t, plan)
	for _, tr := range rep.Tables {
		p := predicted[tr.Name]
		if p.Rows != tr.RowsIn || p.Rejected != tr.RowsQuarantined+tr.RowsDropped {
			t.Errorf("%s: predicted %d rows, %d rejected; the apply read %d, quarantined %d, dropped %d",
				tr.Name, p.Rows, p.Rejected, tr.RowsIn, tr.RowsQuarantined, tr.RowsDropped)
		}
		if tr.Name == "orders" && p.Rejected == 0 {
			t.Error("orders: nothing predicted: the test cannot see a difference")
		}
		for _, v := range tr.Violations {
			i := slices.IndexFunc(p.Rules, func(r bigquery.RuleCount) bool { return r.Rule == v.Rule })
			switch {
			case i < 0 && v.Check != "row_count":
				t.Errorf("%s: rule %s not predicted", tr.Name, v.Rule)
			case i >= 0 && p.Rules[i].Rows != v.Rows:
				t.Errorf("%s: rule %s: predicted %d rows, the apply found %d", tr.Name, v.Rule, p.Rules[i].Rows, v.Rows)
			}
		}
	}

	var out, errOut bytes.Buffer
	code := cli.Execute(context.Background(), []string{"plan", "--predict", "--format", "markdown", filepath.Join(dir, "predict.yaml")}, &out, &errOut)
	if code != 0 {
		t.Fatalf("plan --predict exited %d: %s%s", code, out.String(), errOut.String())
	}
	o := predicted["orders"]
	for _, want := range []string{"### Predicted quarantine", "**orders** scans ",
		fmt.Sprintf("%d rows, %d dropped", o.Rows, o.Rejected), "| status_accepted | accepted_values | error |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the plan lacks %q:\n%s", want, out.String())
		}
	}

	// max_bytes_billed under what the dry run says: plan refuses, and runs no count.
	capped := fmt.Sprintf("{kind: bigquery, project: %s, dataset: %s.%s, endpoint: %q, read: rest, max_bytes_billed: 1}", testProject, testProject, e2eDataset, emu.url)
	compileTables(t, dir, "capped", capped, e2eSpec("quarantine", "drop"))
	out.Reset()
	code = cli.Execute(context.Background(), []string{"plan", "--predict", filepath.Join(dir, "capped.yaml")}, &out, &errOut)
	if code != cli.ExitFailed || !strings.Contains(out.String(), "refused, over max_bytes_billed") || !strings.Contains(out.String(), "more than max_bytes_billed (1)") {
		t.Errorf("plan --predict over max_bytes_billed exited %d:\n%s", code, out.String())
	}
}

// For an incremental table after its first run, plan --predict counts the rows past
// the stored watermark, as the next apply reads them: the prediction after new rows
// arrive equals that apply's counts, not the whole table's.
func TestPredictReadsPastTheWatermark(t *testing.T) {
	emu := startEmulator(t)
	client, err := gbq.NewClient(context.Background(), testProject, option.WithEndpoint(emu.url), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	dir := t.TempDir()
	source := fmt.Sprintf("{kind: bigquery, project: %s, dataset: %s.%s, endpoint: %q, read: rest, validate: bigquery}", testProject, testProject, testDataset, emu.url)
	plan := compileTables(t, dir, "inc", source, `  - name: orders
    mode: incremental
    cursor: order_id
    primary_key: order_id
    rules:
      - {name: few_items, check: expression, sql: "num_of_item <= 3", severity: warn}
`)
	first := mustApply(t, plan)
	// New orders past the watermark, some with a status no rule accepts.
	bqRows(t, client, fmt.Sprintf("INSERT INTO `%[1]s.%[2]s.orders` SELECT * REPLACE (order_id + 1000000 AS order_id, IF(MOD(order_id, 3) = 0, 'Lost', status) AS status) FROM `%[1]s.%[2]s.orders` WHERE order_id <= 30",
		testProject, testDataset))

	var out, errOut bytes.Buffer
	if code := cli.Execute(context.Background(), []string{"plan", "--predict", filepath.Join(dir, "inc.yaml")}, &out, &errOut); code != 0 {
		t.Fatalf("plan --predict exited %d: %s%s", code, out.String(), errOut.String())
	}
	m := regexp.MustCompile(`(?m)^    (\d+) rows, (\d+) quarantined$`).FindStringSubmatch(out.String())
	if m == nil || !strings.Contains(out.String(), "rows past the watermark, order_id >= ") {
		t.Fatalf("the plan does not predict past the watermark:\n%s", out.String())
	}
	rows, _ := strconv.ParseInt(m[1], 10, 64)
	rejected, _ := strconv.ParseInt(m[2], 10, 64)

	next := mustApply(t, plan).Tables[0]
	if rows != next.RowsIn || rejected != next.RowsQuarantined {
		t.Errorf("predicted %d rows, %d rejected; the apply that followed read %d, quarantined %d (the first read %d)",
			rows, rejected, next.RowsIn, next.RowsQuarantined, first.Tables[0].RowsIn)
	}
	if next.RowsIn == 0 || next.RowsQuarantined == 0 || next.RowsIn >= first.Tables[0].RowsIn {
		t.Errorf("the second apply read %d rows, quarantined %d, the first %d: the test cannot tell a bound from none",
			next.RowsIn, next.RowsQuarantined, first.Tables[0].RowsIn)
	}
	t.Logf("%s", out.String())
}
