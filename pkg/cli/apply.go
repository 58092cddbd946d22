package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/ecomrun/ecomrun/pkg/atomicfile"
	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/htmlreport"
	"github.com/ecomrun/ecomrun/pkg/redact"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

type applyArgs struct {
	file          string
	parallelism   int
	report        string
	reportHTML    string
	quiet         bool
	logFormat     string
	fullRefresh   bool
	tables        string
	tableNames    []string // --tables read; nil: every table
	skipPreflight bool
	prune         bool
}

// runApply runs a pipeline and closes with a summary; --report writes the same
// facts as JSON, --report-html as a page to look at.
func runApply(ctx context.Context, args []string, s streams) int {
	var a applyArgs
	fs := newFlags("apply", "SPEC", s)
	fs.IntVar(&a.parallelism, "parallelism", 0, "stages running at once (default: the number of CPUs)")
	fs.StringVar(&a.report, "report", "", "write the run report as JSON to this file")
	fs.StringVar(&a.reportHTML, "report-html", "", "write the run report as one self-contained HTML page to this file")
	fs.BoolVar(&a.quiet, "quiet", false, "print only errors and the summary")
	fs.StringVar(&a.logFormat, "log-format", "text", "progress: text (live bars on a terminal, else a line per stage) or json (an object per stage)")
	fs.BoolVar(&a.fullRefresh, "full-refresh", false, "forget the stored watermarks and replace the tables whole")
	fs.StringVar(&a.tables, "tables", "", "run only these tables (comma-separated) and those their relationship rules read; the others keep their outputs and state")
	fs.BoolVar(&a.skipPreflight, "skip-preflight", false, "do not check the warehouse and every sink's destination before extracting")
	fs.BoolVar(&a.prune, "prune", false, "remove the outputs of tables no longer in the spec (warehouse, quarantine, state, every sink)")
	files, err := parse(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if err := oneOf("log-format", a.logFormat, "text", "json"); err != nil {
		fmt.Fprintln(s.err, "ecomrun apply:", err)
		return ExitUsage
	}
	if len(files) != 1 {
		fmt.Fprintln(s.err, "ecomrun apply: name one spec file, e.g. ecomrun apply pipelines/daily.yaml")
		return ExitUsage
	}
	a.file = files[0]
	if a.tableNames, err = tablesFlag(fs, a.tables); err != nil {
		fmt.Fprintln(s.err, "ecomrun apply:", err)
		return ExitUsage
	}
	if a.parallelism < 0 {
		fmt.Fprintln(s.err, "ecomrun apply: --parallelism must be at least 1 (or 0, the default: the number of CPUs)")
		return ExitUsage
	}
	plan, code := compile(a.file, s)
	if plan == nil {
		return code
	}
	plan, refresh, code := subsetPlan(plan, a, s)
	if plan == nil {
		return code
	}

	// Every output about the run is masked: a secret of the spec may be in a path,
	// a condition or an error a cloud client quotes.
	red := redactorFor(plan)
	prog := newProgress(s, plan, a.quiet, a.logFormat, red)
	orphans := &orphanList{}
	obs := startObservers(ctx, plan)
	rep, runErr := engine.Apply(ctx, plan, engine.Options{
		Parallelism: a.parallelism, RunID: obs.runID, OnStage: obs.onStage(prog.stage), FullRefresh: a.fullRefresh, FullRefreshTables: refresh,
		Preflight: !a.skipPreflight, Prune: a.prune, OnOrphan: orphans.add, OnRows: rowsOf(prog),
	})
	prog.done()
	warnings := obs.finish(ctx, plan, rep)
	reportErrs := writeReports(a, plan, rep, red)
	var out, errs bytes.Buffer
	var stopped *engine.PreflightError
	if !errors.As(runErr, &stopped) {
		printSummary(&out, rep) // a preflight that stopped the run has no accounting to show
		orphans.print(&out)
	}
	io.WriteString(s.out, red.String(out.String()))
	if runErr != nil {
		printRunErrors(&errs, rep)
	}
	for _, err := range reportErrs {
		fmt.Fprintf(&errs, "ecomrun apply: %v\n", err)
	}
	for _, w := range warnings {
		fmt.Fprintln(&errs, w)
	}
	io.WriteString(s.err, red.String(errs.String()))
	switch {
	case runErr != nil && ctx.Err() != nil:
		return ExitCanceled
	case runErr != nil:
		return ExitFailed
	case len(reportErrs) > 0:
		// The run itself is fine, but what was asked for is not all there.
		fmt.Fprintln(s.err, "ecomrun apply: the run succeeded and its outputs are complete; only the report above is missing")
		return ExitFailed
	}
	return ExitOK
}

// writeReports writes the JSON and HTML reports asked for, masked. They are
// written even when the run failed (that is when they are read most). A report
// that cannot be written is an error of its own, returned for the caller to say
// after the summary: it fails a run that was otherwise fine.
func writeReports(a applyArgs, plan *spec.Plan, rep *report.Report, red *redact.Redactor) []error {
	var errs []error
	if a.report != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err == nil {
			err = atomicfile.Write(a.report, []byte(red.String(string(b))+"\n"))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("cannot write the report %s: %w", a.report, err))
		}
	}
	if a.reportHTML != "" {
		var buf bytes.Buffer
		err := htmlreport.Render(&buf, htmlreport.Build(plan, rep))
		if err == nil {
			err = atomicfile.Write(a.reportHTML, []byte(red.String(buf.String())))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("cannot write the HTML report %s: %w", a.reportHTML, err))
		}
	}
	return errs
}
