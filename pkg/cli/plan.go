package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ecomrun/ecomrun/pkg/spec"
)

type planArgs struct {
	format string
	file   string
}

// runPlan compiles a spec and shows its stages and what each table reads, checks
// and writes. Nothing runs and nothing is opened.
func runPlan(ctx context.Context, args []string, s streams) int {
	var a planArgs
	fs := newFlags("plan", "SPEC", s)
	fs.StringVar(&a.format, "format", "text", "output format: text or json")
	files, err := parse(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if err := oneOf("format", a.format, "text", "json"); err != nil {
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
	if a.format == "json" {
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		_ = enc.Encode(map[string]any{"pipeline": plan.Spec.Name, "spec": plan.Spec, "plan": plan})
		return ExitOK
	}
	printPlan(s.out, plan)
	return ExitOK
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

func printPlan(w io.Writer, p *spec.Plan) {
	sp := p.Spec
	fmt.Fprintf(w, "Pipeline %q (%s)\n", sp.Name, sp.File)
	fmt.Fprintf(w, "  source:    %s\n", describeSource(sp.Source))
	fmt.Fprintf(w, "  warehouse: %s\n", sp.Warehouse.Path)
	for _, sk := range sp.Sinks {
		fmt.Fprintf(w, "  sink %s:  %s %s\n", sk.Name, sk.Kind, sk.Path)
	}
	fmt.Fprintln(w, "\nTables:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  TABLE\tON INVALID\tRULES\tSINKS")
	for _, t := range p.Tables {
		var builtin, own int
		for _, r := range t.Rules {
			if r.Builtin {
				builtin++
			} else {
				own++
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d built-in + %d spec\t%s\n", t.Name, t.OnInvalid, builtin, own, orNone(strings.Join(t.Sinks, ", ")))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nStages (%d):\n", len(p.Stages))
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, st := range p.Stages {
		deps := ""
		if len(st.DependsOn) > 0 {
			deps = "after " + strings.Join(st.DependsOn, ", ")
		}
		fmt.Fprintf(tw, "  %s\t%s\n", st.ID, deps)
	}
	tw.Flush()
}

func describeSource(s spec.Source) string {
	switch s.Kind {
	case "thelook":
		return fmt.Sprintf("thelook generator (scale %g, seed %d)", s.Scale, s.Seed)
	case "files":
		return fmt.Sprintf("files (%s in %s)", s.Format, s.Dir)
	case "bigquery":
		return fmt.Sprintf("bigquery %s (billed to %s)", s.Dataset, s.Project)
	}
	return s.Kind
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
