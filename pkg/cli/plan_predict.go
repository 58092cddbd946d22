package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
	"github.com/ecomrun/ecomrun/pkg/stages/bigquery"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

// predictor is a source that counts, before a run, the rows each rule would reject
// (bigquery: one COUNTIF query per table, its bytes from a dry run first).
type predictor interface {
	Predict(ctx context.Context, t *spec.TablePlan, b *stages.Bound) (*bigquery.Prediction, error)
}

// printPredictions is plan --predict: per table its counting query, the bytes it
// scans (or "unknown") and the rows each rule would reject, as text or, for
// --format markdown, a table per table. A dry run over max_bytes_billed, or a source
// that cannot predict, fails the plan (ExitFailed).
func printPredictions(ctx context.Context, w io.Writer, format string, p *spec.Plan) int {
	src, err := stages.NewSource(p.Spec)
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
	bounds, err := stateBounds(ctx, p)
	if err != nil {
		fmt.Fprintf(w, "  the warehouse's state cannot be read (%v): the counts of an incremental table cover the whole table, not only the rows past its watermark that apply reads\n", err)
	}
	code := ExitOK
	for i := range p.Tables {
		t := &p.Tables[i]
		b := bounds[t.Name]
		pred, err := pr.Predict(ctx, t, b)
		scans := "unknown (no dry run)"
		if pred != nil && pred.Bytes >= 0 {
			scans = fmt.Sprintf("%s (%d bytes, dry run)", report.Bytes(pred.Bytes), pred.Bytes)
		}
		var over *bigquery.OverLimitError
		if errors.As(err, &over) {
			scans += ": refused, over max_bytes_billed"
		}
		past := ""
		if b != nil {
			past = ", rows past the watermark, " + b.Condition(b.Column)
		}
		if md {
			fmt.Fprintf(w, "\n**%s** scans %s%s\n", mdText(t.Name), scans, mdText(past))
		} else {
			fmt.Fprintf(w, "  %s: scans %s%s\n", t.Name, scans, past)
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

// stateBounds are the bounds the next apply reads the incremental tables past, from
// the watermarks stored in the warehouse, opened read-only (as stages.NewRun reads
// them: the same table, cursor and lookback). No warehouse, or no state yet, is no
// bound: the first apply reads every row. A warehouse that cannot be opened (an
// apply holding it) is an error, and the counts then cover the whole tables.
func stateBounds(ctx context.Context, p *spec.Plan) (map[string]*stages.Bound, error) {
	incremental := false
	for _, t := range p.Tables {
		incremental = incremental || t.Incremental != nil
	}
	path := p.Spec.Warehouse.Path
	if !incremental || path == "" {
		return nil, nil
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	wh, err := warehouse.OpenReadOnly(ctx, path)
	if err != nil {
		return nil, err
	}
	defer wh.Close()
	if ok, err := wh.Exists(ctx, "", stages.StateSchema, "state"); err != nil || !ok {
		return nil, err
	}
	states, err := stages.ReadState(ctx, wh.DB)
	if err != nil {
		return nil, err
	}
	bounds := map[string]*stages.Bound{}
	for _, st := range states {
		t := p.Table(st.Table)
		if t == nil || t.Incremental == nil || st.Cursor != t.Incremental.Cursor || st.Watermark == "" {
			continue
		}
		b, err := stages.WatermarkBound(t, st.Watermark)
		if err != nil {
			return nil, fmt.Errorf("table %s: stored watermark %q: %w", t.Name, st.Watermark, err)
		}
		bounds[t.Name] = &b
	}
	return bounds, nil
}
