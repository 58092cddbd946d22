package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/ecomrun/ecomrun/pkg/plandiff"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

type planArgs struct {
	format  string
	file    string
	against string
}

// planFormats are plan's outputs: text for a terminal, json for tools, markdown
// to paste into a pull request, mermaid and dot for the DAG alone.
var planFormats = []string{"text", "json", "markdown", "mermaid", "dot"}

// runPlan compiles a spec and shows its stages and what each table reads, checks
// and writes. With --against OLD it shows what changes from OLD's plan instead.
// Nothing runs and nothing is opened; the one call out is a source's cost estimate
// (BigQuery's dry run, free), made only with credentials.
func runPlan(ctx context.Context, args []string, s streams) int {
	var a planArgs
	fs := newFlags("plan", "SPEC", s)
	fs.StringVar(&a.format, "format", "text", "output format: text, json, markdown, mermaid or dot")
	fs.StringVar(&a.against, "against", "", "an older version of the spec: show what SPEC adds, removes or changes")
	files, err := parse(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if err := oneOf("format", a.format, planFormats...); err != nil {
		fmt.Fprintln(s.err, "ecomrun plan:", err)
		return ExitUsage
	}
	if len(files) != 1 {
		fmt.Fprintln(s.err, "ecomrun plan: name one spec file, e.g. ecomrun plan pipelines/daily.yaml")
		return ExitUsage
	}
	a.file = files[0]
	plan, code := compile(a.file, s)
	if plan == nil {
		return code
	}
	if a.against == "" {
		printPlanAs(s.out, a.format, plan)
		if a.format == "text" {
			reads, note := planReads(ctx, plan)
			printReads(s.out, reads, note)
		}
		return ExitOK
	}
	old, code := compile(a.against, s)
	if old == nil {
		return code
	}
	printPlanDiffAs(s.out, a.format, old, plan, plandiff.Compare(old, plan))
	return ExitOK
}

func printPlanAs(w io.Writer, format string, p *spec.Plan) {
	switch format {
	case "json":
		writeJSON(w, map[string]any{"pipeline": p.Spec.Name, "spec": p.Spec, "plan": p})
	case "markdown":
		printPlanMarkdown(w, p, planGraph(p))
	case "mermaid":
		printMermaid(w, planGraph(p))
	case "dot":
		printDot(w, p.Spec.Name, planGraph(p))
	default:
		printPlan(w, p)
	}
}

func printPlanDiffAs(w io.Writer, format string, old, new *spec.Plan, d *plandiff.Diff) {
	g := diffGraph(old, new, d)
	switch format {
	case "json":
		writeJSON(w, map[string]any{"pipeline": new.Spec.Name, "changed": !d.Empty(), "diff": d})
	case "markdown":
		printDiffMarkdown(w, d)
		fmt.Fprintln(w)
		printPlanMarkdown(w, new, g)
	case "mermaid":
		printMermaid(w, g)
	case "dot":
		printDot(w, new.Spec.Name, g)
	default:
		printDiffText(w, d)
	}
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// compile checks a spec and prints its diagnostics; a nil plan comes with the exit code.
func compile(file string, s streams) (*spec.Plan, int) {
	plan, ds := spec.Check(file)
	ds = ds.Sort()
	printDiagnostics(s.err, ds)
	if ds.HasErrors() || plan == nil {
		return nil, ExitUsage
	}
	return plan, ExitOK
}
