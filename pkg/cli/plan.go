package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/plandiff"
	"github.com/ecomrun/ecomrun/pkg/redact"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

type planArgs struct {
	format  string
	file    string
	against string
	// detailed is --detailed-exitcode: 0 no changes, 2 changes, 1 an error (Terraform's codes).
	detailed bool
}

// Exit codes of plan --detailed-exitcode, as terraform plan's.
const (
	exitPlanNoChanges = 0
	exitPlanError     = 1
	exitPlanChanges   = 2
)

// planFormats are plan's outputs: text for a terminal, json for tools, markdown
// to paste into a pull request, mermaid and dot for the DAG alone.
var planFormats = []string{"text", "json", "markdown", "mermaid", "dot"}

// runPlan compiles a spec and shows its stages and what each table reads, checks
// and writes. With --against OLD it shows what changes from OLD's plan instead.
// Nothing runs and nothing is opened; the one call out is a source's cost estimate
// (BigQuery's dry run, free), made only with credentials or next to an endpoint.
//
// With --detailed-exitcode the exit code says whether there is anything to do,
// as terraform plan's: with --against, 2 when SPEC differs from OLD and 0 when
// it does not; without it, SPEC is compared with nothing, so every stage is a
// change: 2 when the plan has a stage to run (a valid spec always has), 0 when
// not. Any error, a spec's or the command line's, is 1.
func runPlan(ctx context.Context, args []string, s streams) int {
	code := runPlanCodes(ctx, args, s)
	if code.detailed {
		return code.detailedCode
	}
	return code.plain
}

// planCodes are a plan's exit code both ways; runPlan picks one.
type planCodes struct {
	plain, detailedCode int
	detailed            bool
}

func runPlanCodes(ctx context.Context, args []string, s streams) planCodes {
	var a planArgs
	fail := func(plain int) planCodes {
		if plain == ExitOK { // -h
			return planCodes{plain: plain, detailedCode: plain, detailed: a.detailed}
		}
		return planCodes{plain: plain, detailedCode: exitPlanError, detailed: a.detailed}
	}
	done := func(changes bool) planCodes {
		c := planCodes{plain: ExitOK, detailedCode: exitPlanNoChanges, detailed: a.detailed}
		if changes {
			c.detailedCode = exitPlanChanges
		}
		return c
	}
	fs := newFlags("plan", "SPEC", s)
	fs.StringVar(&a.format, "format", "text", "output format: text, json, markdown, mermaid or dot")
	fs.StringVar(&a.against, "against", "", "an older version of the spec: show what SPEC adds, removes or changes")
	fs.BoolVar(&a.detailed, "detailed-exitcode", false,
		"exit 0 when nothing changes, 2 when something does (against OLD, or: the plan has stages to run), 1 on errors")
	predict := fs.Bool("predict", false, "bigquery: count the rows each rule would reject, in BigQuery (one COUNTIF query per table, dry run first)")
	files, err := parse(fs, args)
	if err != nil {
		a.detailed = a.detailed || slices.ContainsFunc(args, func(x string) bool { return strings.HasPrefix(strings.TrimLeft(x, "-"), "detailed-exitcode") })
		return fail(parseExit(err))
	}
	if err := oneOf("format", a.format, planFormats...); err != nil {
		fmt.Fprintln(s.err, "ecomrun plan:", err)
		return fail(ExitUsage)
	}
	if len(files) != 1 {
		fmt.Fprintln(s.err, "ecomrun plan: name one spec file, e.g. ecomrun plan pipelines/daily.yaml")
		return fail(ExitUsage)
	}
	a.file = files[0]
	plan, code := compile(a.file, s)
	if plan == nil {
		return fail(code)
	}
	// Rendered whole, then masked: a secret interpolated into a path or a
	// condition is shown as the mask in every format.
	var out bytes.Buffer
	if a.against == "" {
		printPlanAs(&out, a.format, plan)
		// Every format dry-runs the reads: a table over its max_bytes_billed fails the
		// plan a pull request shows (Markdown) as much as the one a terminal shows.
		reads, note := planReads(ctx, plan)
		refused := slices.ContainsFunc(reads, func(r tableRead) bool { return r.refused != nil })
		if a.format == "text" {
			printReads(&out, reads, note)
		} else {
			for _, r := range reads {
				if r.refused != nil {
					fmt.Fprintf(s.err, "ecomrun plan: refused: %v\n", r.refused)
				}
			}
		}
		if *predict {
			if code := printPredictions(ctx, &out, a.format, plan); code != ExitOK {
				writeMasked(s.out, out.String(), plan)
				return fail(code)
			}
		}
		writeMasked(s.out, out.String(), plan)
		if refused {
			return fail(ExitFailed)
		}
		return done(len(plan.Stages) > 0)
	}
	old, code := compile(a.against, s)
	if old == nil {
		return fail(code)
	}
	diff := plandiff.Compare(old, plan)
	printPlanDiffAs(&out, a.format, old, plan, diff)
	writeMasked(s.out, out.String(), old, plan)
	return done(!diff.Empty())
}

// redactorFor masks the secrets of the plans' specs and of the environment.
func redactorFor(plans ...*spec.Plan) *redact.Redactor {
	var secrets []string
	for _, p := range plans {
		secrets = append(secrets, p.Spec.Secrets()...)
	}
	return redact.New(secrets...)
}

// writeMasked writes text with the secrets of the plans' specs masked.
func writeMasked(w io.Writer, text string, plans ...*spec.Plan) {
	_, _ = io.WriteString(w, redactorFor(plans...).String(text))
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
	c := spec.CheckFile(file)
	printDiagnostics(s.err, c, redact.New(c.Secrets...))
	if c.Diags.HasErrors() || c.Plan == nil {
		return nil, ExitUsage
	}
	return c.Plan, ExitOK
}
