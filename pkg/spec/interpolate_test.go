package spec

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	env := envOf(map[string]string{"OUT": "/data", "EMPTY": "", "A": "1", "B": "two"})
	for _, tc := range []struct {
		in, want string
		problems []string
	}{
		{in: "no variables", want: "no variables"},
		{in: "${OUT}/ecom.duckdb", want: "/data/ecom.duckdb"},
		{in: "${MISSING:-out}/csv", want: "out/csv"},
		{in: "${OUT:-out}/csv", want: "/data/csv"},
		{in: "${EMPTY:-fallback}", want: "fallback"},
		{in: "${EMPTY}", want: ""},
		{in: "${MISSING:-}", want: ""},
		{in: "${A}${B}-${A}", want: "1two-1"},
		{in: "cost $$5", want: "cost $5"},
		{in: "$${OUT}", want: "${OUT}"},
		{in: "$$$${OUT}", want: "$${OUT}"},
		{in: "a $ alone and $OUT", want: "a $ alone and $OUT"},
		{in: "trailing $", want: "trailing $"},
		{in: "${MISSING}/x", want: "/x", problems: []string{"variable MISSING is not set"}},
		{in: "${X1} ${X2}", want: " ", problems: []string{"variable X1 is not set", "variable X2 is not set"}},
		{in: "${1X}", want: "", problems: []string{`"${1X}" is not a variable reference`}},
		{in: "${}", want: "", problems: []string{`"${}" is not a variable reference`}},
		{in: "${OUT-x}", want: "", problems: []string{`"${OUT-x}" is not a variable reference`}},
		{in: "a${OUT", want: "a", problems: []string{`unclosed variable reference "${OUT"`}},
		// Defaults nest, as in a shell, and are expanded only when taken.
		{in: "${MISSING:-${OUT:-x}}/csv", want: "/data/csv"},
		{in: "${MISSING:-${ALSO_MISSING:-x}}/csv", want: "x/csv"},
		{in: "${A:-${MISSING}}", want: "1"},
		{in: "${MISSING:-${MISSING2}}", want: "", problems: []string{"variable MISSING2 is not set"}},
		{in: "${MISSING:-a$$b}", want: "a$b"},
		{in: "${MISSING:-${B:-y}-${A}}", want: "two-1"},
		{in: "${MISSING:-${B:-y}", want: "", problems: []string{`unclosed variable reference "${MISSING:-${B:-y}"`}},
		// To any depth: the first variable set wins, else the innermost default.
		{in: "${M1:-${M2:-${M3:-deep}}}", want: "deep"},
		{in: "${M1:-${M2:-${B:-deep}}}", want: "two"},
		{in: "${EMPTY:-${M1:-${A:-x}}}", want: "1"},
		{in: "${M1:-${M2:-${M3}}}", want: "", problems: []string{"variable M3 is not set"}},
		{in: "${M1:-${M2:-${1X}}}", want: "", problems: []string{`"${1X}" is not a variable reference`}},
		{in: "${A:-${1X}}", want: "1"}, // a default not taken is not read
		{in: "${M1:-${M2:-x}/y}/z", want: "x/y/z"},
		{in: "${M1:-${M2:-x}", want: "", problems: []string{`unclosed variable reference "${M1:-${M2:-x}"`}},
		{in: "${M1:-x}}", want: "x}"},
		{in: nested(100, "${M:-", "x"), want: "x"},
		{in: nested(100, "${M:-", "${M:-x}"), want: "", problems: []string{"variable references nested more than 100 deep"}},
		{in: nested(100, "${M:-", "x$$y"), want: "x$y"}, // $$ is no reference
	} {
		got, problems := expand(tc.in, env)
		var msgs []string
		for _, p := range problems {
			msgs = append(msgs, p.Message)
		}
		if got != tc.want || !slices.Equal(msgs, tc.problems) {
			t.Errorf("expand(%q) = %q, %q; want %q, %q", tc.in, got, msgs, tc.want, tc.problems)
		}
	}
}

// nested is inner inside n levels of open ("${M:-"), each closed.
func nested(n int, open, inner string) string {
	return strings.Repeat(open, n) + inner + strings.Repeat("}", n)
}

// spec wraps a source block and a warehouse path into an otherwise valid spec.
func specWith(source, path string) string {
	return "version: 1\nsource: " + source + "\nwarehouse:\n  path: " + path + "\ntables: [{name: users}]\n"
}

func TestInterpolation(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		path string // the warehouse path as written
		want string // as loaded
	}{
		{"set", map[string]string{"OUT": "/data"}, "${OUT}/ecom.duckdb", "/data/ecom.duckdb"},
		{"unset with default", nil, "${OUT:-out}/ecom.duckdb", "out/ecom.duckdb"},
		{"set overrides default", map[string]string{"OUT": "/data"}, "${OUT:-out}/ecom.duckdb", "/data/ecom.duckdb"},
		{"empty takes default", map[string]string{"OUT": ""}, "${OUT:-out}/ecom.duckdb", "out/ecom.duckdb"},
		{"dollar escape", nil, "price$$.duckdb", "price$.duckdb"},
		{"escaped reference", map[string]string{"OUT": "/data"}, "'$${OUT}.duckdb'", "${OUT}.duckdb"},
		{"value looking like YAML stays text", map[string]string{"OUT": "[a, b]: #c"}, "${OUT}", "[a, b]: #c"},
		{"number from the environment stays text in a string field", map[string]string{"OUT": "42"}, "${OUT}", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, diags := Load("t.yaml", []byte(specWith("{kind: thelook}", tc.path)), envOf(tc.env))
			if tc.want == "" {
				// A plain scalar that becomes 42 is the number 42, as if written so.
				if want := []string{"4:9: path: got number, want string"}; !slices.Equal(short(diags), want) {
					t.Errorf("got %q, want %q", short(diags), want)
				}
				return
			}
			if len(diags) > 0 {
				t.Fatal(render(diags))
			}
			if s.Warehouse.Path != tc.want {
				t.Errorf("path = %q, want %q", s.Warehouse.Path, tc.want)
			}
		})
	}
}

// TestNestedDefaults: a nested default loads as the first variable set gives it, and
// a reference left open inside one is refused at the value.
func TestNestedDefaults(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"outer set", map[string]string{"OUT": "/o", "DIR": "/d"}, "/o/w.duckdb"},
		{"inner set", map[string]string{"DIR": "/d"}, "/d/w.duckdb"},
		{"outer empty", map[string]string{"OUT": "", "DIR": "/d"}, "/d/w.duckdb"},
		{"neither", nil, "out/w.duckdb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, diags := Load("t.yaml", []byte(specWith("{kind: thelook}", "${OUT:-${DIR:-out}}/w.duckdb")), envOf(tc.env))
			if len(diags) > 0 {
				t.Fatal(render(diags))
			}
			if s.Warehouse.Path != tc.want {
				t.Errorf("path = %q, want %q", s.Warehouse.Path, tc.want)
			}
		})
	}
	_, diags := Load("t.yaml", []byte(specWith("{kind: thelook}", "${OUT:-${DIR:-out}/w.duckdb")), noEnv)
	want := []string{`4:9: unclosed variable reference "${OUT:-${DIR:-out}/w.duckdb"`}
	if got := short(diags); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestUnsetVariable(t *testing.T) {
	src := specWith("{kind: thelook}", "${OUT}/ecom.duckdb")
	s, diags := Load("t.yaml", []byte(src), noEnv)
	if s != nil || len(diags) != 1 {
		t.Fatalf("want one error, got:\n%s", render(diags))
	}
	d := diags[0]
	if d.Pos.Line != 4 || d.Pos.Col != 9 || d.Message != "variable OUT is not set" ||
		d.Detail != "set it in the environment or write ${OUT:-default}" {
		t.Errorf("got %s", d)
	}
}

func TestNumberInterpolation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		env    map[string]string
		source string
		scale  float64
		seed   int64
		errs   []string
	}{
		{name: "default number", source: "\n  kind: thelook\n  scale: ${SCALE:-0.1}", scale: 0.1},
		{name: "numbers from env", env: map[string]string{"SCALE": "2", "SEED": "7"},
			source: "\n  kind: thelook\n  scale: ${SCALE:-0.1}\n  seed: ${SEED}", scale: 2, seed: 7},
		{name: "float", env: map[string]string{"SCALE": "1.5"}, source: "\n  kind: thelook\n  scale: ${SCALE}", scale: 1.5},
		// YAML 1.2 reads 1e-3 as a float, though it has no dot.
		{name: "exponent", source: "\n  kind: thelook\n  scale: 1e-3", scale: 0.001},
		{name: "exponent from env", env: map[string]string{"SCALE": "2E-2"}, source: "\n  kind: thelook\n  scale: ${SCALE}", scale: 0.02},
		{name: "quoted exponent stays a string", source: "\n  kind: thelook\n  scale: '1e-3'", errs: []string{"4:10: scale: got string, want number"}},
		{name: "hex and tagged numbers", source: "\n  kind: thelook\n  scale: !!float 1\n  seed: 0x10", scale: 1, seed: 16},
		{name: "quoted stays a string", env: map[string]string{"SEED": "7"},
			source: "\n  kind: thelook\n  seed: \"${SEED}\"", errs: []string{"4:9: seed: got string, want integer"}},
		{name: "tagged stays a string", env: map[string]string{"SEED": "7"},
			source: "\n  kind: thelook\n  seed: !!str ${SEED}", errs: []string{"4:9: seed: got string, want integer"}},
		{name: "not a number", env: map[string]string{"SEED": "forty"},
			source: "\n  kind: thelook\n  seed: ${SEED}", errs: []string{"4:9: seed: got string, want integer"}},
		{name: "unset number is one error", source: "\n  kind: thelook\n  seed: ${SEED}",
			errs: []string{"4:9: variable SEED is not set"}},
		{name: "empty default stays a string, not null", source: "\n  kind: thelook\n  seed: ${SEED:-}",
			errs: []string{"4:9: seed: got string, want integer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, diags := Load("t.yaml", []byte(specWith(tc.source, "w")), envOf(tc.env))
			if got := short(diags); !slices.Equal(got, tc.errs) && (len(got) > 0 || len(tc.errs) > 0) {
				t.Fatalf("got %q, want %q", got, tc.errs)
			}
			if tc.errs != nil {
				return
			}
			want := fmt.Sprintf(`{"kind":"thelook","scale":%v}`, tc.scale)
			if tc.seed != 0 {
				want = fmt.Sprintf(`{"kind":"thelook","scale":%v,"seed":%d}`, tc.scale, tc.seed)
			}
			if got := sourceJSON(t, s); got != want {
				t.Errorf("source = %s, want %s", got, want)
			}
		})
	}
}

// TestTimestampsAreText: YAML reads an unquoted date as a timestamp, which the spec
// has no type for; it must arrive as the text written.
func TestTimestampsAreText(t *testing.T) {
	src := `version: 1
source: {kind: thelook}
warehouse: {path: w}
tables:
  - name: orders
    rules:
      - {check: range, column: created_at, min: 2019-01-01, max: "2030-01-01T00:00:00Z"}
`
	s, diags := Load("t.yaml", []byte(src), noEnv)
	if len(diags) > 0 {
		t.Fatal(render(diags))
	}
	r := s.Tables[0].Rules[0]
	if r.Min != "2019-01-01" || r.Max != "2030-01-01T00:00:00Z" {
		t.Errorf("min, max = %#v, %#v", r.Min, r.Max)
	}
	// As a where: the text 2024-01-01 is SQL arithmetic, 2024 - 1 - 1, which DuckDB
	// types INTEGER: no condition.
	_, diags = Load("t.yaml", []byte(strings.Replace(src, "    rules:", "    where: 2024-01-01\n    rules:", 1)), noEnv)
	if got := short(diags); len(got) != 1 || !strings.HasPrefix(got[0], "6:12: where: the condition's type is INTEGER") {
		t.Errorf("diagnostics %q, want one at 6:12 saying the condition is an INTEGER", got)
	}
}

// TestInterpolationOnce: keys are not interpolated, and a value reused through an
// alias is expanded once, so its $$ stays one $.
func TestInterpolationOnce(t *testing.T) {
	src := `version: 1
source: {kind: thelook}
warehouse: {path: w}
tables:
  - name: orders
    where: &cond "gender <> '$$x'"
  - name: users
    where: *cond
`
	s, diags := Load("t.yaml", []byte(src), noEnv)
	if len(diags) > 0 {
		t.Fatal(render(diags))
	}
	for _, tb := range s.Tables {
		if tb.Where != "gender <> '$x'" {
			t.Errorf("%s where = %q", tb.Name, tb.Where)
		}
	}
	_, diags = Load("t.yaml", []byte("${KEY}: 1\n"+src[len("version: 1\n"):]), envOf(map[string]string{"KEY": "version"}))
	if got := short(diags); len(got) != 2 || got[0] != `1:1: missing required key "version" in pipeline` {
		t.Errorf("a ${...} key was interpolated: %q", got)
	}
}
