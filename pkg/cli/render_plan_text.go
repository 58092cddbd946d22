package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/plandiff"
	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// printPlan shows a plan for a terminal: the pipeline's blocks, a line per table
// and the stages with what each waits for.
func printPlan(w io.Writer, p *spec.Plan) {
	sp := p.Spec
	fmt.Fprintf(w, "Pipeline %q (%s)\n", sp.Name, sp.File)
	tt := textTable{indent: "  "}
	tt.add("source:", sp.Source.Describe())
	tt.add("warehouse:", sp.Warehouse.Path)
	for _, sk := range sp.Sinks {
		tt.add("sink "+sk.Name+":", describeSink(sk))
	}
	tt.write(w)
	fmt.Fprintln(w, "\nTables:")
	tt = textTable{indent: "  "}
	tt.add("TABLE", "MODE", "ON INVALID", "RULES", "SINKS")
	for _, t := range p.Tables {
		builtin, own := ruleCounts(t.Rules)
		invalid := t.OnInvalid
		if t.OnDuplicate != "" {
			invalid += " (" + t.OnDuplicate + ")" // the key's repeats: all but the first copy are invalid
		}
		tt.add(t.Name, tableMode(t), invalid, fmt.Sprintf("%d built-in + %d spec", builtin, own), orNone(strings.Join(t.Sinks, ", ")))
	}
	tt.write(w)
	printTableReads(w, p)
	printContracts(w, p)
	fmt.Fprintf(w, "\nStages (%d):\n", len(p.Stages))
	tt = textTable{indent: "  "}
	for _, st := range p.Stages {
		deps := ""
		if len(st.DependsOn) > 0 {
			deps = "after " + strings.Join(st.DependsOn, ", ")
		}
		tt.add(st.ID, deps)
	}
	tt.write(w)
}

// printTableReads shows what a source says of how it reads each table
// (spec.TableDescriber: the files source's CSV dialect): ecomrun decides it, and a
// reviewer sees it.
func printTableReads(w io.Writer, p *spec.Plan) {
	d, ok := p.Spec.Source.Config.(spec.TableDescriber)
	if !ok {
		return
	}
	var heading string
	says := make([]string, len(p.Tables))
	for i := range p.Tables {
		h, words := d.DescribeTable(&p.Tables[i])
		if h != "" {
			heading, says[i] = h, words
		}
	}
	printGrouped(w, heading, p, says)
}

// printContracts says what each table does when its source's columns drift from
// its model. The generator never drifts: nothing to say.
func printContracts(w io.Writer, p *spec.Plan) {
	says := make([]string, len(p.Tables))
	for i, t := range p.Tables {
		says[i] = t.Contract.String() // empty for the generator's tables
	}
	printGrouped(w, "Schema contract (checked against the source's columns before any row is read)", p, says)
}

// printGrouped writes a section saying says[i] of the plan's i-th table, once per
// distinct saying with the tables that share it, in plan order; a table it says
// nothing of ("") is left out, and with none the section is.
func printGrouped(w io.Writer, heading string, p *spec.Plan, says []string) {
	var order []string
	tables := map[string][]string{}
	for i, say := range says {
		if say == "" {
			continue
		}
		if _, seen := tables[say]; !seen {
			order = append(order, say)
		}
		tables[say] = append(tables[say], p.Tables[i].Name)
	}
	if len(order) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s:\n", heading)
	tt := textTable{indent: "  "}
	for _, say := range order {
		tt.add(strings.Join(tables[say], ", ")+":", say)
	}
	tt.write(w)
}

// printDiffText shows a plan diff the way people read a code review: + added,
// - removed, ~ changed, with the settings and rules that differ under each.
func printDiffText(w io.Writer, d *plandiff.Diff) {
	if d.Empty() {
		fmt.Fprintf(w, "No changes: %s plans the same as %s.\n", d.New, d.Old)
		return
	}
	fmt.Fprintf(w, "Changes from %s to %s:\n", d.Old, d.New)
	block := func(mark, what string, fields []plandiff.Field) {
		fmt.Fprintf(w, "\n  %s %s\n", mark, what)
		for _, f := range fields {
			fmt.Fprintf(w, "      %s\n", plainWords.field(f, mark == "+"))
		}
	}
	if len(d.Pipeline) > 0 {
		block("~", "pipeline", d.Pipeline)
	}
	if len(d.Source) > 0 {
		block("~", "source", d.Source)
	}
	if len(d.Warehouse) > 0 {
		block("~", "warehouse", d.Warehouse)
	}
	for _, t := range d.Tables {
		fields := t.Fields
		if t.Change == plandiff.Removed {
			fields = nil // gone is all there is to say
		}
		block(changeMark(t.Change), "table "+t.Name, fields)
		for _, r := range t.Rules {
			fmt.Fprintf(w, "      %s\n", plainWords.rule(r))
		}
	}
	for _, s := range d.Sinks {
		fields := s.Fields
		if s.Change == plandiff.Removed {
			fields = nil
		}
		block(changeMark(s.Change), "sink "+s.Name, fields)
	}
	fmt.Fprintf(w, "\n%s\n", diffSummary(d))
}

// diffSummary is one line of counts, e.g. "Tables: 1 to add, 1 to change. Sinks: 1 to remove."
func diffSummary(d *plandiff.Diff) string {
	counts := func(what string, a, c, r int) string {
		var parts []string
		for _, p := range []struct {
			n    int
			verb string
		}{{a, "add"}, {c, "change"}, {r, "remove"}} {
			if p.n > 0 {
				parts = append(parts, fmt.Sprintf("%d to %s", p.n, p.verb))
			}
		}
		if len(parts) == 0 {
			return ""
		}
		return what + ": " + strings.Join(parts, ", ") + "."
	}
	var out []string
	if len(d.Pipeline)+len(d.Source)+len(d.Warehouse) > 0 {
		out = append(out, "Pipeline settings change.")
	}
	a, c, r := d.TableCounts()
	out = append(out, counts("Tables", a, c, r))
	a, c, r = d.SinkCounts()
	out = append(out, counts("Sinks", a, c, r))
	return strings.Join(strings.Fields(strings.Join(out, " ")), " ")
}

func changeMark(change string) string {
	switch change {
	case plandiff.Added:
		return "+"
	case plandiff.Removed:
		return "-"
	}
	return "~"
}

// diffWords are how a plan diff's lines are written: plain for a terminal,
// Markdown for a pull request (values in code spans, cells escaped).
type diffWords struct {
	value func(string) string // a setting's value or a rule's name
	text  func(string) string // anything else from the spec
	arrow string
}

var plainWords = diffWords{value: func(s string) string { return s }, text: func(s string) string { return s }, arrow: "->"}

// field is "key: old -> new", or "key: new" for a setting of something added.
func (dw diffWords) field(f plandiff.Field, added bool) string {
	val := func(v string) string {
		if v == "" {
			return "(unset)"
		}
		return dw.value(v)
	}
	if added {
		return f.Name + ": " + val(f.New)
	}
	return f.Name + ": " + val(f.Old) + " " + dw.arrow + " " + val(f.New)
}

func (dw diffWords) rule(r plandiff.Rule) string {
	name := "rule " + dw.value(r.Name)
	if r.Builtin {
		name += " (built-in)"
	}
	switch r.Change {
	case plandiff.Added:
		return "+ " + name + ": " + dw.text(r.New)
	case plandiff.Removed:
		return "- " + name + ": " + dw.text(r.Old)
	}
	return "~ " + name + ": " + dw.text(r.Old) + " " + dw.arrow + " " + dw.text(r.New)
}

func ruleCounts(rs []rules.Rule) (builtin, own int) {
	for _, r := range rs {
		if r.Builtin {
			builtin++
		} else {
			own++
		}
	}
	return builtin, own
}

// tableMode says how a table is refreshed: replaced each run, or read past its
// cursor's watermark.
func tableMode(t spec.TablePlan) string {
	if t.Incremental == nil {
		return spec.ModeSnapshot
	}
	return "incremental on " + t.Incremental.Cursor
}

// describeSink names a sink's kind and where it writes, in the kind's words.
func describeSink(s spec.Sink) string {
	return strings.TrimSpace(s.Kind + " " + s.Describe())
}

// plural writes a count with its noun: "1 table", "3 tables".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
