package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/atomicfile"
	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/htmlreport"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

type applyArgs struct {
	file        string
	parallelism int
	report      string
	reportHTML  string
	quiet       bool
	logFormat   string
	fullRefresh bool
	tables      string
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
	fs.StringVar(&a.tables, "tables", "", "with --full-refresh: only these tables (comma-separated)")
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
	if a.parallelism < 0 {
		fmt.Fprintln(s.err, "ecomrun apply: --parallelism must be at least 1")
		return ExitUsage
	}
	if a.tables != "" && !a.fullRefresh {
		fmt.Fprintln(s.err, "ecomrun apply: --tables goes with --full-refresh")
		return ExitUsage
	}
	plan, code := compile(a.file, s)
	if plan == nil {
		return code
	}
	var refresh []string
	if a.tables != "" {
		refresh = strings.Split(a.tables, ",")
		for _, t := range refresh {
			if plan.Table(t) == nil {
				fmt.Fprintf(s.err, "ecomrun apply: --tables names %q, which is not a table of %s\n", t, a.file)
				return ExitUsage
			}
		}
	}

	prog := newProgress(s, plan, a.quiet, a.logFormat)
	rep, runErr := engine.Apply(ctx, plan, engine.Options{
		Parallelism: a.parallelism, OnStage: prog.stage, FullRefresh: a.fullRefresh, FullRefreshTables: refresh,
	})
	prog.done()
	writeReports(a, plan, rep, s)
	printSummary(s.out, rep)
	if runErr != nil {
		printRunErrors(s.err, rep)
		if ctx.Err() != nil {
			return ExitCanceled
		}
		return ExitFailed
	}
	return ExitOK
}

// writeReports writes the JSON and HTML reports asked for. They are written even
// when the run failed (that is when they are read most); a report that cannot be
// written is said on stderr but does not change the exit code, which is the run's.
func writeReports(a applyArgs, plan *spec.Plan, rep *report.Report, s streams) {
	if a.report != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err == nil {
			err = atomicfile.Write(a.report, append(b, '\n'))
		}
		if err != nil {
			fmt.Fprintf(s.err, "ecomrun apply: write report %s: %v\n", a.report, err)
		}
	}
	if a.reportHTML != "" {
		var buf bytes.Buffer
		err := htmlreport.Render(&buf, htmlreport.Build(plan, rep))
		if err == nil {
			err = atomicfile.Write(a.reportHTML, buf.Bytes())
		}
		if err != nil {
			fmt.Fprintf(s.err, "ecomrun apply: write HTML report %s: %v\n", a.reportHTML, err)
		}
	}
}
