package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
	"github.com/ecomrun/ecomrun/pkg/stages/bigquery"
)

// predictor is a source that counts, before a run, the rows each rule would reject
// (bigquery: one COUNTIF query per table, its bytes from a dry run first).
type predictor interface {
	Predict(ctx context.Context, t *spec.TablePlan) (*bigquery.Prediction, error)
}

// printPredictions is plan --predict: per table its counting query, the bytes it
// scans (or "unknown") and the rows each rule would reject, as text or, for
// --format markdown, a table per table. A dry run over max_bytes_billed, or a source
// that cannot predict, fails the plan (ExitFailed).
func printPredictions(ctx context.Context, w io.Writer, format string, p *spec.Plan) int {
	src, err := stages.NewSource(p.Spec.Source)
	if err != nil {
		fmt.Fprintf(w, "\nPredicted quarantine: %v\n", err)
		return ExitFailed
	}
	if c, ok := src.(io.Closer); ok {
		defer c.Close()
	}
	pr, ok := src.(predictor)
	if !ok {
		fmt.Fprintf(w, "\nPredicted quarantine: a %s source cannot count before a run (only bigquery can)\n", p.Spec.Source.Kind)
		return ExitFailed
	}
	ctx, cancel := context.WithTimeout(ctx, estimateTimeout)
	defer cancel()
	md := format == "markdown"
	if md {
		fmt.Fprintln(w, "\n### Predicted quarantine")
	} else {
		fmt.Fprintln(w, "\nPredicted quarantine:")
	}
	code := ExitOK
	for i := range p.Tables {
		t := &p.Tables[i]
		pred, err := pr.Predict(ctx, t)
		scans := "unknown (no dry run)"
		if pred != nil && pred.Bytes >= 0 {
			scans = fmt.Sprintf("%s (%d bytes, dry run)", report.Bytes(pred.Bytes), pred.Bytes)
		}
		var over *bigquery.OverLimitError
		if errors.As(err, &over) {
			scans += ": refused, over max_bytes_billed"
		}
		if md {
			fmt.Fprintf(w, "\n**%s** scans %s\n", mdText(t.Name), scans)
		} else {
			fmt.Fprintf(w, "  %s: scans %s\n", t.Name, scans)
		}
		if err != nil {
			fmt.Fprintf(w, "  error: %v\n", err)
			code = ExitFailed
			continue
		}
		fate := map[string]string{spec.OnInvalidQuarantine: "quarantined", spec.OnInvalidDrop: "dropped", spec.OnInvalidFail: "failing the run"}[t.OnInvalid]
		if md {
			fmt.Fprintf(w, "%d rows, %d %s\n\n| rule | check | severity | rows |\n|---|---|---|---:|\n", pred.Rows, pred.Rejected, fate)
			for _, r := range pred.Rules {
				fmt.Fprintf(w, "| %s | %s | %s | %d |\n", mdCell(r.Rule), r.Check, r.Severity, r.Rows)
			}
			continue
		}
		fmt.Fprintf(w, "    %d rows, %d %s\n", pred.Rows, pred.Rejected, fate)
		for _, r := range pred.Rules {
			if r.Rows > 0 {
				fmt.Fprintf(w, "    %-32s %-16s %-6s %d rows\n", r.Rule, r.Check, r.Severity, r.Rows)
			}
		}
	}
	return code
}
