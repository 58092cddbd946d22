package cli

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/ecomrun/ecomrun/pkg/diag"
	"github.com/ecomrun/ecomrun/pkg/redact"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// printDiagnostics writes each diagnostic of a checked spec as FILE:LINE:COL:
// severity: message, followed by the source line and a caret under the column.
// Secrets are masked in both, and the caret follows the mask.
func printDiagnostics(w io.Writer, c spec.Checked, red *redact.Redactor) {
	sources := map[string][]string{c.File: strings.Split(string(c.Source), "\n")}
	for _, d := range c.Diags {
		fmt.Fprintln(w, red.String(d.String()))
		if d.Pos.Line == 0 {
			continue
		}
		lines, ok := sources[d.Pos.File]
		if !ok {
			b, _ := spec.ReadFile(d.Pos.File)
			lines = strings.Split(string(b), "\n")
			sources[d.Pos.File] = lines
		}
		if d.Pos.Line > len(lines) {
			continue
		}
		line, col := red.Line(strings.TrimRight(lines[d.Pos.Line-1], "\r"), d.Pos.Col)
		line, col = printable(line, col)
		gutter := fmt.Sprintf("%5d | ", d.Pos.Line)
		fmt.Fprintf(w, "%s%s\n", gutter, line)
		if col > 0 {
			fmt.Fprintf(w, "%s| %s^\n", strings.Repeat(" ", len(gutter)-2), caretPad(line, col))
		}
	}
}

// masked returns ds with secrets masked in their messages, for the formats that
// write the messages alone (JSON, GitHub annotations).
func masked(ds diag.Diagnostics, red *redact.Redactor) diag.Diagnostics {
	out := make(diag.Diagnostics, len(ds))
	for i, d := range ds {
		d.Message, d.Detail = red.String(d.Message), red.String(d.Detail)
		out[i] = d
	}
	return out
}

// caretPad keeps tabs so the caret lines up under the column.
func caretPad(line string, col int) string {
	var b strings.Builder
	for i, r := range []rune(line) {
		if i >= col-1 {
			break
		}
		if r == '\t' {
			b.WriteRune('\t')
		} else {
			b.WriteRune(' ')
		}
	}
	return b.String()
}

// printGitHub writes GitHub Actions workflow commands,
// "::error file=F,line=L,col=C,title=T::message", which annotate the pull
// request's diff at the diagnostic's place. A position without a line (a file
// that cannot be read) annotates the file alone: line=0 would point nowhere.
func printGitHub(w io.Writer, ds diag.Diagnostics) {
	for _, d := range ds {
		kind := "error"
		if d.Severity == diag.Warning {
			kind = "warning"
		}
		msg := d.Message
		if d.Detail != "" {
			msg += " (" + d.Detail + ")"
		}
		props := []string{"file=" + githubEscapeProperty(d.Pos.File)}
		if d.Pos.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d", d.Pos.Line))
			if d.Pos.Col > 0 {
				props = append(props, fmt.Sprintf("col=%d", d.Pos.Col))
			}
		}
		props = append(props, "title="+githubEscapeProperty("ecomrun validate"))
		fmt.Fprintf(w, "::%s %s::%s\n", kind, strings.Join(props, ","), githubEscapeData(msg))
	}
}

func githubEscapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func githubEscapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// maxEcho is the most of a source line a diagnostic echoes, in characters.
const maxEcho = 160

// printable makes a source line safe to echo on a terminal or in a CI log: a
// control character or a byte that is not UTF-8 becomes U+FFFD (one character for
// one, so the caret stays under its column), and a long line is cut to maxEcho
// characters around the column, with "…" where it was cut.
func printable(line string, col int) (string, int) {
	var rs []rune
	for _, r := range line { // a byte that is not UTF-8 is one RuneError
		if r == utf8.RuneError || (r < 0x20 && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			r = '\uFFFD'
		}
		rs = append(rs, r)
	}
	if len(rs) <= maxEcho {
		return string(rs), col
	}
	start := max(0, min(col-1-maxEcho/2, len(rs)-maxEcho))
	out := string(rs[start : start+maxEcho])
	if start > 0 {
		out, col = "…"+out, col-start+1
	}
	if start+maxEcho < len(rs) {
		out += "…"
	}
	return out, col
}
