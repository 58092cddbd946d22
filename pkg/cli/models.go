package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/rules"
)

// modelView is what `ecomrun models` shows of one table: its columns and every rule
// that checks it, so a user sees what `orders` checks without reading Go.
type modelView struct {
	Table   string       `json:"table"`
	Key     string       `json:"key,omitempty"`
	Columns []columnView `json:"columns"`
	Rules   []ruleView   `json:"rules"`
	// Contract is the model's own word on drift (thelook's distribution_centers:
	// missing_columns: null), when it has one.
	Contract *catalog.Contract `json:"contract,omitempty"`
}

type columnView struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Required bool   `json:"required"`
}

// ruleView is one rule; From says where it comes from: built-in (on), optional
// (built-in, off until a spec enables it) or spec.
type ruleView struct {
	Name     string `json:"name"`
	Check    string `json:"check"`
	Severity string `json:"severity"`
	From     string `json:"from"`
	Summary  string `json:"summary"`
}

// runModels lists each table's model: every built-in model, or with a spec the
// spec's tables with the rules that run on them (built-in less disabled, enabled
// optional ones, the spec's own).
func runModels(_ context.Context, args []string, s streams) int {
	var format string
	fs := newFlags("models", "[SPEC]", s)
	fs.StringVar(&format, "format", "text", "output format: text or json")
	files, err := parse(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if err := oneOf("format", format, "text", "json"); err != nil {
		fmt.Fprintln(s.err, "ecomrun models:", err)
		return ExitUsage
	}
	if len(files) > 1 {
		fmt.Fprintln(s.err, "ecomrun models: name at most one spec file, e.g. ecomrun models pipelines/daily.yaml")
		return ExitUsage
	}
	var views []modelView
	var out bytes.Buffer
	if len(files) == 0 {
		for _, name := range catalog.Tables {
			m := catalog.Lookup(name)
			views = append(views, viewOf(m, m.Rules, true))
		}
		printModels(&out, format, views)
		_, _ = io.Copy(s.out, &out)
		return ExitOK
	}
	plan, code := compile(files[0], s)
	if plan == nil {
		return code
	}
	for _, t := range plan.Tables {
		views = append(views, viewOf(t.Model, t.Rules, false))
	}
	printModels(&out, format, views)
	writeMasked(s.out, out.String(), plan)
	return ExitOK
}

// viewOf is a model with the given rules; withOptional marks the optional rules of
// a bare model as such (in a plan every listed rule runs).
func viewOf(m *catalog.Model, rs []rules.Rule, withOptional bool) modelView {
	v := modelView{Table: m.Table, Key: m.Key}
	if m.Contract != (catalog.Contract{}) {
		c := m.Contract
		v.Contract = &c
	}
	for _, c := range m.Columns {
		v.Columns = append(v.Columns, columnView{Name: c.Name, Type: string(c.Type), Required: c.Required})
	}
	for _, r := range rs {
		from := "spec"
		switch {
		case r.Builtin && r.Optional && withOptional:
			from = "optional"
		case r.Builtin:
			from = "built-in"
		}
		v.Rules = append(v.Rules, ruleView{Name: r.Name, Check: r.Check, Severity: r.Severity, From: from, Summary: rules.Summary(r)})
	}
	return v
}

func printModels(w io.Writer, format string, views []modelView) {
	if format == "json" {
		writeJSON(w, views)
		return
	}
	for i, v := range views {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if v.Key == "" {
			fmt.Fprintf(w, "%s (no key)\n", v.Table)
		} else {
			fmt.Fprintf(w, "%s (key %s)\n", v.Table, v.Key)
		}
		if c := v.Contract; c != nil {
			fmt.Fprintf(w, "  contract: {%s}\n", c)
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  COLUMN\tTYPE\tREQUIRED")
		for _, c := range v.Columns {
			req := "no"
			if c.Required {
				req = "yes"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Name, c.Type, req)
		}
		_ = tw.Flush()
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  RULE\tFROM\tSEVERITY\tCHECKS")
		for _, r := range v.Rules {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", r.Name, r.From, r.Severity, oneLine(r.Summary))
		}
		_ = tw.Flush()
	}
}

// oneLine keeps a multi-line expression on its row.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
