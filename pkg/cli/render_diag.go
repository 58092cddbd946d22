package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/diag"
)

// printDiagnostics writes each diagnostic as FILE:LINE:COL: severity: message,
// followed by the source line and a caret under the column.
func printDiagnostics(w io.Writer, ds diag.Diagnostics) {
	sources := map[string][]string{}
	for _, d := range ds {
		fmt.Fprintln(w, d.String())
		if d.Pos.Line == 0 {
			continue
		}
		lines, ok := sources[d.Pos.File]
		if !ok {
			b, _ := os.ReadFile(d.Pos.File)
			lines = strings.Split(string(b), "\n")
			sources[d.Pos.File] = lines
		}
		if d.Pos.Line > len(lines) {
			continue
		}
		line := strings.TrimRight(lines[d.Pos.Line-1], "\r")
		gutter := fmt.Sprintf("%5d | ", d.Pos.Line)
		fmt.Fprintf(w, "%s%s\n", gutter, line)
		if d.Pos.Col > 0 {
			fmt.Fprintf(w, "%s| %s^\n", strings.Repeat(" ", len(gutter)-2), caretPad(line, d.Pos.Col))
		}
	}
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
