package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/plandiff"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

// gfmCells counts the cells of a GFM table row as GitHub splits it: a backslash
// escapes the character after it (so "\\|" is an escaped backslash, then a pipe
// that ends the cell), and the leading and trailing pipes delimit no cell.
func gfmCells(row string) int {
	row = strings.TrimSpace(row)
	n := 1
	for i := 0; i < len(row); i++ {
		switch row[i] {
		case '\\':
			i++
		case '|':
			if i > 0 && i < len(row)-1 {
				n++
			}
		}
	}
	return n
}

// fences returns the contents of the fenced code blocks of md, each closed by the
// first line of at least as many backticks, as CommonMark does.
func fences(t *testing.T, md string) map[string][]string {
	t.Helper()
	open := regexp.MustCompile("^(`{3,})([a-z]*)$")
	out := map[string][]string{}
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		m := open.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		var body []string
		closed := false
		for i++; i < len(lines); i++ {
			if l := lines[i]; strings.Trim(l, "`") == "" && len(l) >= len(m[1]) {
				closed = true
				break
			}
			body = append(body, lines[i])
		}
		if !closed {
			t.Fatalf("a %s block is never closed:\n%s", m[2], md)
		}
		out[m[2]] = append(out[m[2]], strings.Join(body, "\n"))
	}
	return out
}

func TestMarkdownCodeAndText(t *testing.T) {
	for _, c := range []struct{ in, code, text string }{
		{"users", "`users`", "users"},
		{"a`b", "``a`b``", "a\\`b"},
		{"```", "```` ``` ````", "\\`\\`\\`"},
		{"`x", "`` `x ``", "\\`x"},
		{"a|b", "`a\\|b`", "a\\|b"},
		{`a\|b`, "`a\\\\\\|b`", `a\\\|b`},
		{`a\\|b`, "`a\\\\\\\\\\|b`", `a\\\\\|b`},
		{"two\nlines", "`two lines`", "two lines"},
		{"[x](http://e) *b* ~s~ <b>&", "`[x](http://e) *b* ~s~ <b>&`", `\[x\](http://e) \*b\* \~s\~ &lt;b&gt;&amp;`},
		{"created_at _e_", "`created_at _e_`", `created_at \_e\_`},
	} {
		if got := code(c.in); got != c.code {
			t.Errorf("code(%q) = %q, want %q", c.in, got, c.code)
		}
		if got := mdText(c.in); got != c.text {
			t.Errorf("mdText(%q) = %q, want %q", c.in, got, c.text)
		}
		for _, cell := range []string{code(c.in), mdText(c.in)} {
			if n := gfmCells("| " + cell + " | x |"); n != 2 {
				t.Errorf("%q splits a table row into %d cells, want 2", cell, n)
			}
		}
	}
	if got := fence("sql", "a ```` b\n"); got != "`````sql\na ```` b\n`````\n" {
		t.Errorf("fence = %q", got)
	}
}

// TestMarkdownPlanHostileText renders the Markdown plan of a spec whose condition
// and paths hold backtick fences, pipes, newlines and markup: every row keeps its
// cells, and the queries' block holds the whole condition and closes after it.
func TestMarkdownPlanHostileText(t *testing.T) {
	dir := t.TempDir()
	src := `version: 1
name: hostile
source: {kind: files, dir: "in|put` + "```" + `", format: csv}
warehouse: {path: "w|h.duckdb"}
tables:
  - name: users
    where: "email = '` + "```" + `' OR state = 'a|b' OR city = 'x\\|y' OR country = '` + "````" + `\n*bold* [link](http://example.com) <b>'"
    rules:
      - {check: expression, name: pipes, sql: "state <> 'a|b' AND city <> '` + "```" + `'"}
sinks:
  - {name: files, kind: csv, path: "out/|` + "```" + `|\ndir"}
`
	path := filepath.Join(dir, "hostile.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	plan, ds := spec.Check(path)
	if ds.HasErrors() {
		t.Fatalf("the spec should be valid: %v", ds)
	}
	var buf bytes.Buffer
	printPlanMarkdown(&buf, plan, planGraph(plan))
	md := buf.String()

	// Rows of each table keep the header's number of cells.
	want := 0
	for _, l := range strings.Split(md, "\n") {
		switch {
		case !strings.HasPrefix(l, "| "):
			want = 0
		case want == 0:
			want = gfmCells(l)
		case gfmCells(l) != want:
			t.Errorf("row has %d cells, want %d: %s", gfmCells(l), want, l)
		}
	}

	blocks := fences(t, md)
	if len(blocks["mermaid"]) != 1 {
		t.Errorf("want one mermaid block, got %d", len(blocks["mermaid"]))
	}
	query, ok := stages.DescribeRead(plan.Spec, &plan.Tables[0])
	if !ok || !strings.Contains(query, "````") {
		t.Fatalf("the files source should state a query with the condition, got %q", query)
	}
	if got := blocks["sql"]; len(got) != 1 || got[0] != query {
		t.Errorf("the sql block is\n%q\nwant the whole query\n%q", got, query)
	}
}

// TestMarkdownPlanMasksEscapedSecrets: a token with characters Markdown escapes
// (a pipe, an underscore at a word's edge, a backtick, an ampersand) is masked in
// the Markdown plan and plan diff, where it shows only in its escaped forms.
func TestMarkdownPlanMasksEscapedSecrets(t *testing.T) {
	const token = "tok|LEAKME_x`&<_y"
	t.Setenv("MD_TOKEN", token)
	dir := t.TempDir()
	write := func(name, csvPath string) *spec.Plan {
		src := `version: 1
name: md
source: {kind: thelook, scale: 0.001, seed: 1}
warehouse: {path: out/w.duckdb}
tables: [{name: users, where: "email <> '${MD_TOKEN}'"}]
sinks:
  - {name: files, kind: csv, path: "` + csvPath + `"}
  - {name: cloud, kind: motherduck, database: thelook, token: "${MD_TOKEN}"}
`
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		plan, ds := spec.Check(path)
		if ds.HasErrors() {
			t.Fatalf("the spec should be valid: %v", ds)
		}
		return plan
	}
	old, plan := write("old.yaml", "out/csv"), write("new.yaml", "out/csv-${MD_TOKEN}")
	var buf bytes.Buffer
	printPlanMarkdown(&buf, plan, planGraph(plan))
	printDiffMarkdown(&buf, plandiff.Compare(old, plan))
	md := buf.String()
	if !strings.Contains(md, `tok\|LEAKME`) {
		t.Fatalf("the test is moot: the plan shows no escaped token:\n%s", md)
	}
	masked := redactorFor(old, plan).String(md)
	if strings.Contains(masked, "LEAKME") {
		t.Errorf("the Markdown plan shows the token:\n%s", masked)
	}
	if !strings.Contains(masked, "out/csv-(secret)") {
		t.Errorf("the sink's path should show the mask:\n%s", masked)
	}
}
