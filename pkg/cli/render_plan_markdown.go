package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/plandiff"
	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

// printPlanMarkdown writes a plan as GitHub-flavoured Markdown for a pull request:
// the DAG as a Mermaid diagram (GitHub draws it), a table of what each table
// reads, checks and writes, the sinks, and the queries sources can state.
func printPlanMarkdown(w io.Writer, p *spec.Plan, g graph) {
	sp := p.Spec
	fmt.Fprintf(w, "### ecomrun plan: %s\n\n", code(sp.Name))
	fmt.Fprintf(w, "%s · source: %s · warehouse: %s · %s, %s\n\n", code(sp.File), mdText(sp.Source.Describe()),
		code(sp.Warehouse.Path), plural(len(p.Tables), "table"), plural(len(p.Stages), "stage"))
	var diagram strings.Builder
	printMermaid(&diagram, g)
	fmt.Fprintf(w, "%s\n", fence("mermaid", diagram.String()))

	fmt.Fprintln(w, "| table | reads | checks | mode | on invalid | writes |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- |")
	var queries []string
	for _, t := range p.Tables {
		reads := sp.Source.Kind + " " + code(t.Name)
		if t.Where != "" {
			reads += " where " + code(t.Where)
		}
		if t.Limit > 0 {
			reads += fmt.Sprintf(", at most %d rows", t.Limit)
		}
		if t.Contract != (catalog.Contract{}) { // the generator's tables have none: they never drift
			reads += "<br>contract: " + mdText(t.Contract.String())
		}
		if q, ok := stages.DescribeRead(sp, &t); ok {
			reads += " (query below)"
			queries = append(queries, fmt.Sprintf("%s:\n\n%s", code(t.Name), fence("sql", q)))
		}
		writes := make([]string, len(t.Sinks))
		for i, s := range t.Sinks {
			writes[i] = code(s)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", code(t.Name), reads, checksCell(t), mdText(tableMode(t)),
			mdText(t.OnInvalid), orNone(strings.Join(writes, ", ")))
	}
	if len(sp.Sinks) > 0 {
		fmt.Fprintln(w, "\n| sink | kind | writes to | tables |")
		fmt.Fprintln(w, "| --- | --- | --- | --- |")
		for _, s := range sp.Sinks {
			tables := "all"
			if len(s.Tables) > 0 {
				tables = mdText(strings.Join(s.Tables, ", "))
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", code(s.Name), mdText(s.Kind), code(s.Describe()), tables)
		}
	}
	if len(queries) > 0 {
		fmt.Fprintf(w, "\n<details><summary>Queries the source runs</summary>\n\n%s\n</details>\n", strings.Join(queries, "\n"))
	}
}

// checksCell counts a table's built-in rules and names each spec rule with what it checks.
func checksCell(t spec.TablePlan) string {
	builtin, own := ruleCounts(t.Rules)
	cell := fmt.Sprintf("%d built-in", builtin)
	if own == 0 {
		return cell
	}
	cell += fmt.Sprintf(" + %d spec:", own)
	for _, r := range t.Rules {
		if !r.Builtin {
			cell += "<br>" + code(r.Name) + " " + mdText(rules.Summary(r))
		}
	}
	return cell
}

// printDiffMarkdown writes a plan diff as a Markdown table, a row per change.
func printDiffMarkdown(w io.Writer, d *plandiff.Diff) {
	fmt.Fprintf(w, "### ecomrun plan changes: %s → %s\n\n", code(d.Old), code(d.New))
	if d.Empty() {
		fmt.Fprintln(w, "No changes: the new spec plans the same as the old one.")
		return
	}
	fmt.Fprintf(w, "%s\n\n", diffSummary(d))
	fmt.Fprintln(w, "| change | what | details |")
	fmt.Fprintln(w, "| --- | --- | --- |")
	row := func(change, what string, details []string) {
		fmt.Fprintf(w, "| %s | %s | %s |\n", change, what, strings.Join(details, "<br>"))
	}
	fieldLines := func(fs []plandiff.Field, change string) []string {
		var out []string
		for _, f := range fs {
			out = append(out, mdWords.field(f, change == plandiff.Added))
		}
		return out
	}
	for _, blk := range []struct {
		what   string
		fields []plandiff.Field
	}{{"pipeline", d.Pipeline}, {"source", d.Source}, {"warehouse", d.Warehouse}} {
		if len(blk.fields) > 0 {
			row(plandiff.Changed, blk.what, fieldLines(blk.fields, plandiff.Changed))
		}
	}
	for _, t := range d.Tables {
		var details []string
		if t.Change != plandiff.Removed {
			details = fieldLines(t.Fields, t.Change)
		}
		for _, r := range t.Rules {
			details = append(details, mdWords.rule(r))
		}
		row(t.Change, "table "+code(t.Name), details)
	}
	for _, s := range d.Sinks {
		var details []string
		if s.Change != plandiff.Removed {
			details = fieldLines(s.Fields, s.Change)
		}
		row(s.Change, "sink "+code(s.Name), details)
	}
}

var mdWords = diffWords{value: code, text: mdText, arrow: "→"}

// Every string from a spec goes through code, mdText or fence before it reaches
// Markdown: a spec is written by whoever opens the pull request, and its text must
// not end a code block, a table cell or a row, nor add links or markup. Secrets
// are masked in the rendered text (writeMasked), where the redactor also matches
// them as these functions escaped them (a \| for a pipe, a \_ at a word's edge).

// fence wraps content in a fenced code block whose fence is longer than any run
// of backticks in the content (CommonMark), so nothing in it can close the block.
func fence(info, content string) string {
	content = strings.TrimSuffix(content, "\n")
	f := strings.Repeat("`", max(3, longestRun(content, '`')+1))
	return f + info + "\n" + content + "\n" + f + "\n"
}

// longestRun is the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] != c {
			run = 0
			continue
		}
		run++
		longest = max(longest, run)
	}
	return longest
}

// code wraps text in a Markdown code span that survives inside a table cell: its
// delimiter is a run of backticks longer than any in the text, and the text is
// padded with spaces where CommonMark would otherwise eat its edges.
func code(s string) string {
	if s == "" {
		return ""
	}
	s = mdCell(s)
	tick := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ") {
		s = " " + s + " "
	}
	return tick + s + tick
}

// mdText escapes text for a table cell or a line: backslash escapes for what
// would start markup (emphasis, code, links, strikethrough) or end the cell,
// entities for HTML, and a space for a newline, which would end the row.
func mdText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '`', '*', '[', ']', '~', '|':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '_':
			// Inside a word (created_at) an underscore is no emphasis; at its edge it may be.
			if i > 0 && i < len(s)-1 && isWordByte(s[i-1]) && isWordByte(s[i+1]) {
				b.WriteByte(c)
			} else {
				b.WriteString(`\_`)
			}
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// mdCell keeps text inside one table cell: a newline would end the row and a pipe
// the cell. GitHub splits cells before it parses code spans, so a pipe is escaped
// even there; backslashes just before it are doubled too, or they would pair with
// its escape and leave it bare (a code span then shows them doubled).
func mdCell(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\n' || c == '\r':
			b.WriteByte(' ')
		case c == '|':
			b.WriteString(`\|`)
		case c == '\\':
			j := i
			for j < len(s) && s[j] == '\\' {
				j++
			}
			run := s[i:j]
			if j < len(s) && s[j] == '|' {
				run += run
			}
			b.WriteString(run)
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
