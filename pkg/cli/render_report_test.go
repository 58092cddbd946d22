package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/report"
)

// TestSummaryNamesEveryDrift: the closing summary lists each drifted column of
// each table with what its contract did about it.
func TestSummaryNamesEveryDrift(t *testing.T) {
	r := &report.Report{Pipeline: "p", Status: "ok"}
	r.Update("members", func(t *report.Table) {
		t.Status, t.RowsIn, t.RowsLoaded = "ok", 3, 3
		t.Drift = []report.Drift{
			{Column: "id", Change: "type", SourceType: "DOUBLE", ModelType: "INT64", Action: "cast"},
			{Column: "Tier", Change: "extra", Action: "ignored"},
		}
	})
	var buf bytes.Buffer
	printSummary(&buf, r)
	want := "\nSchema drift (the tables' contracts):\n" +
		"  members.id: DOUBLE in the source, INT64 in the model: cast value by value\n" +
		"  members.Tier: not in the model, not loaded\n"
	if !strings.Contains(buf.String(), want) {
		t.Fatalf("the summary lacks\n%s\ngot\n%s", want, &buf)
	}
}
