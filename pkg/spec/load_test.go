package spec

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/diag"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// noEnv is an environment where nothing is set, so tests do not depend on the caller's.
func noEnv(string) (string, bool) { return "", false }

func envOf(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// render prints diagnostics the way the CLI's plain output does, one per line.
func render(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.String() + "\n")
	}
	return b.String()
}

// short is "LINE:COL: message" for each diagnostic, for inline expectations.
func short(diags diag.Diagnostics) []string {
	out := []string{}
	for _, d := range diags {
		out = append(out, fmt.Sprintf("%d:%d: %s", d.Pos.Line, d.Pos.Col, d.Message))
	}
	return out
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func loadTestFile(t *testing.T, path string) (*Spec, diag.Diagnostics) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Load(path, src, noEnv)
}

func TestLoadFullSpec(t *testing.T) {
	s, diags := loadTestFile(t, "testdata/full.yaml")
	if len(diags) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", render(diags))
	}
	if s.Name != "daily" || s.Version != 1 {
		t.Errorf("name, version = %q, %d", s.Name, s.Version)
	}
	if got := sourceJSON(t, s); got != `{"kind":"thelook","scale":0.1,"seed":42}` {
		t.Errorf("source = %s", got)
	}
	if s.Warehouse.Path != "out/ecom.duckdb" {
		t.Errorf("warehouse path = %q", s.Warehouse.Path)
	}
	if got := []string{s.Sinks[0].Describe(), s.Sinks[1].Describe()}; !slices.Equal(got, []string{"out/csv", "out/parquet"}) {
		t.Errorf("sink paths = %q", got)
	}
	orders := s.Tables[0]
	if orders.OnInvalid != OnInvalidQuarantine || s.Tables[1].OnInvalid != OnInvalidQuarantine {
		t.Errorf("on_invalid = %q, %q", orders.OnInvalid, s.Tables[1].OnInvalid)
	}
	var names []string
	for _, r := range orders.Rules {
		names = append(names, r.Name)
		if r.Severity != "error" {
			t.Errorf("rule %s severity = %q", r.Name, r.Severity)
		}
	}
	if want := []string{"status_known", "range_num_of_item", "shipped_after_created"}; !slices.Equal(names, want) {
		t.Errorf("rule names = %q, want %q", names, want)
	}
	if r := orders.Rules[1]; r.Min != 1 || r.Max != 4 {
		t.Errorf("range bounds = %#v, %#v; want int 1, 4 like the built-in models", r.Min, r.Max)
	}
	if p := orders.Rules[0].Pos; p.Line != 14 || p.Col != 9 {
		t.Errorf("rule position = %v, want line 14 col 9", p)
	}
}

func TestLoadDefaults(t *testing.T) {
	for _, tc := range []struct {
		source string
		want   string // the source as plan's JSON shows it
	}{
		{"{kind: thelook}", `{"kind":"thelook","scale":0.1}`},
		{"{kind: files, dir: in}", `{"kind":"files","dir":"in","format":"csv"}`},
		{"{kind: bigquery, project: p, dataset: d}", `{"kind":"bigquery","project":"p","dataset":"d","read":"auto","validate":"local"}`},
	} {
		src := "version: 1\nsource: " + tc.source + "\nwarehouse: {path: w}\ntables: [{name: users}]\n"
		s, diags := Load("pipelines/nightly.yaml", []byte(src), noEnv)
		if len(diags) > 0 {
			t.Fatalf("%s: %s", tc.source, render(diags))
		}
		if got := sourceJSON(t, s); got != tc.want {
			t.Errorf("%s: source = %s, want %s", tc.source, got, tc.want)
		}
		if s.Name != "nightly" {
			t.Errorf("name = %q, want the file's name", s.Name)
		}
	}
}

// sourceJSON is the spec's source as plan's JSON shows it: the common keys and
// its kind's, the defaults filled (spec's tests see the kinds' configs only so).
func sourceJSON(t *testing.T, s *Spec) string {
	t.Helper()
	b, err := json.Marshal(s.Source)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestInvalidGolden loads every testdata/invalid/*.yaml and compares its diagnostics
// with the .golden file next to it.
func TestInvalidGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.yaml")
	if len(files) == 0 {
		t.Fatal("no testdata/invalid/*.yaml")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s, diags := loadTestFile(t, f)
			if s != nil || !diags.HasErrors() {
				t.Fatalf("want errors and no spec, got %d diagnostics", len(diags))
			}
			golden(t, strings.TrimSuffix(f, ".yaml")+".golden", render(diags))
		})
	}
}

func TestFiveMistakesFiveDiagnostics(t *testing.T) {
	_, diags := loadTestFile(t, "testdata/invalid/five_mistakes.yaml")
	want := []string{
		"6:10: scale: got string, want number",
		`11:11: unknown table "order" (did you mean "orders"?)`,
		`14:27: unknown key "colum" in rule (did you mean "column"?)`,
		`15:32: unknown column "num_of_items" in table orders (did you mean "num_of_item"?)`,
		`17:5: missing required key "path" when kind is csv`,
	}
	if got := short(diags); !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// laughs is a small file whose aliases expand to a million values.
var laughs = `a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
`

// manyKeys is a mapping of 10001 keys, nested in another.
var manyKeys = func() string {
	var b strings.Builder
	b.WriteString("outer:\n")
	for i := range 10001 {
		fmt.Fprintf(&b, "  k%d: 1\n", i)
	}
	return b.String()
}()

// TestYAMLProblems: each problem with the YAML itself is one diagnostic at the line
// and column of its token, or of the first character that cannot be in a YAML file.
func TestYAMLProblems(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"empty", "", []string{"1:1: the file is empty: a spec needs version, source, warehouse and tables"}},
		{"only a comment", "# nothing\n", []string{"1:1: the file is empty: a spec needs version, source, warehouse and tables"}},
		{"scanner error", "version: 1\nname: @x\n", []string{"2:7: '@' is a reserved character"}},
		// The scalar "1 bad" runs on to line 2; the colon that makes it a key is the error.
		{"scanner error on a later line", "version: 1\n  bad: indent\n", []string{"2:6: mapping value is not allowed in this context"}},
		{"mis-indented key", "source:\n  kind: thelook\n   scale: 1\n", []string{"3:9: mapping value is not allowed in this context"}},
		{"parser error", "version: 1\nname: x\nsource: {kind: thelook\n", []string{"3:9: could not find flow mapping end token '}'"}},
		{"parser error in a sequence", "version: 1\nname: x\n- y\n", []string{"3:1: non-map value is specified"}},
		{"two documents", "version: 1\n---\nversion: 1\n", []string{"2:1: a spec file holds one YAML document; remove the second one"}},
		{"a directive is no document", "%YAML 1.2\n---\nversion: 1\nversion: 2\n", []string{`4:1: duplicate key "version" (first at line 3)`}},
		{"duplicate key", "version: 1\nversion: 1\n", []string{`2:1: duplicate key "version" (first at line 1)`}},
		{"byte order mark", "\uFEFFversion: 1\r\nversion: 1\r\n", []string{`2:1: duplicate key "version" (first at line 1)`}},
		{"merge key", "a: &x {b: 1}\nc:\n  <<: *x\n", []string{"3:3: merge keys (<<) are not supported: write the keys out, or alias a whole value"}},
		{"complex key", "a: &m {x: 1}\n*m : b\n", []string{"2:1: a key must be a plain name, not a list or mapping"}},
		{"complex key in flow", "{[a]: b}\n", []string{"1:5: found an invalid key for this map"}},
		{"tab indenting", "version: 1\nsource:\n  kind: thelook\n\tscale: 1\n", []string{"4:1: found a tab character where an indentation space is expected"}},
		{"tab in a block scalar", "name: |\n  x\n\ty\n", []string{"3:1: found a tab character where an indentation space is expected"}},
		{"unknown alias", "version: 1\nname: *nope\n", []string{"2:7: unknown alias *nope: no anchor &nope before it"}},
		{"alias before its anchor", "a: *x\nb: &x 1\n", []string{"1:4: unknown alias *x: no anchor &x before it"}},
		{"alias cycle", "a: &a [*a]\n", []string{"1:8: alias *a is inside the value anchored &a: a value cannot hold itself"}},
		{"billion laughs", laughs, []string{"1:32: the spec expands to more than 100000 values through its aliases"}},
		{"bad explicit tag", "version: !!int one\n", []string{`1:10: cannot read "one" as !!int`}},
		{"invalid UTF-8", "version: 1\nname: caf\xc3\n", []string{"2:10: invalid UTF-8: byte 0xc3"}},
		{"invalid UTF-8 after wide characters", "name: \"ééé\xff\"\n", []string{"1:11: invalid UTF-8: byte 0xff"}},
		{"control character", "version: 1\nname: a\x1b[31m\n", []string{"2:8: control character U+001B is not allowed in YAML"}},
		{"binary", "# a picture\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", []string{"2:1: not a YAML text: byte 0x89 here, and NUL bytes in the file, as in a binary file"}},
		{"NUL bytes", "version: 1\nname: a\x00b\n", []string{"2:8: not a YAML text: control character U+0000 here, and NUL bytes in the file, as in a binary file"}},
		{"UTF-16", "\xff\xfev\x00e\x00", []string{"1:1: not a YAML text that ecomrun reads: the file is UTF-16"}},
		{"nested too deep", strings.Repeat("[", 1001), []string{"1:1001: values nested more than 1000 levels deep"}},
		{"nested too deep in blocks", strings.Repeat("- ", 1001) + "x\n", []string{"1:2001: values nested more than 1000 levels deep"}},
		{"too many keys", manyKeys, []string{"10002:3: more than 10000 keys in one mapping"}},
		{"not a mapping", "- 1\n", []string{"1:1: pipeline: got array, want object"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := Load("t.yaml", []byte(tc.src), noEnv)
			if got := short(diags); !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestAliasesResolve: an anchored value may be reused, and errors inside it point at
// where it is written.
func TestAliases(t *testing.T) {
	src := `version: 1
source: {kind: thelook}
warehouse: {path: w}
tables:
  - name: orders
    rules: &common
      - {check: not_null, column: gender}
  - name: users
    rules: *common
`
	s, diags := Load("t.yaml", []byte(src), noEnv)
	if len(diags) > 0 {
		t.Fatal(render(diags))
	}
	if got := s.Tables[1].Rules[0].Name; got != "not_null_gender" {
		t.Errorf("aliased rule name = %q", got)
	}
	_, diags = Load("t.yaml", []byte(strings.Replace(src, "gender", "gendr", 1)), noEnv)
	want := []string{
		`7:35: unknown column "gendr" in table orders (did you mean "gender"?)`,
		`7:35: unknown column "gendr" in table users (did you mean "gender"?)`,
	}
	if got := short(diags); !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestPipelines: every spec shipped in pipelines/ loads and compiles.
func TestPipelines(t *testing.T) {
	files, _ := filepath.Glob("../../pipelines/*.yaml")
	if len(files) == 0 {
		t.Fatal("no ../../pipelines/*.yaml")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s, diags := loadTestFile(t, f)
			if diags.HasErrors() {
				t.Fatal(render(diags))
			}
			if _, diags := Compile(s); diags.HasErrors() {
				t.Fatal(render(diags))
			}
		})
	}
}

func TestCheckFile(t *testing.T) {
	t.Setenv("OUT", "/tmp/run")
	p, diags := Check("testdata/full.yaml")
	if len(diags) > 0 {
		t.Fatal(render(diags))
	}
	if got := p.Spec.Warehouse.Path; got != "/tmp/run/ecom.duckdb" {
		t.Errorf("warehouse path = %q, want OUT from the environment", got)
	}
	_, diags = Check("testdata/missing.yaml")
	if len(diags) != 1 || diags[0].Pos.File != "testdata/missing.yaml" || !strings.Contains(diags[0].Message, "no such file") {
		t.Errorf("missing file: %s", render(diags))
	}
}
