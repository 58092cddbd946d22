package spec

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// TestSecretsOfASpec: a variable that feeds a token is a secret wherever else it
// is interpolated, a literal token and a URL's password are secrets, and all of
// them are known even when the spec is invalid (its diagnostics quote them).
func TestSecretsOfASpec(t *testing.T) {
	env := envOf(map[string]string{"MD": "mdtok-RECOGNISABLE", "OTHER": "plain-value-1", "PW": "pw-RECOGNISABLE"})
	src := `version: 1
name: s
source: {kind: thelook, scale: 0.001}
warehouse: {path: out/w.duckdb}
tables: [{name: users, on_invalid: "${MD}"}]
sinks:
  - {name: cloud, kind: motherduck, database: "${OTHER}", token: "${MD}"}
  - {name: lit, kind: motherduck, database: d, token: literal-RECOGNISABLE}
  - {name: lake, kind: s3, url: "s3://b/p/", endpoint: "http://user:${PW}@host:9000"}
  - {name: typo, kind: csv, path: out, tokn: x, password: "hunter2-RECOGNISABLE"}
`
	s, diags, secrets := load("s.yaml", []byte(src), env)
	if s != nil || !diags.HasErrors() {
		t.Fatalf("the spec should be invalid: %v", diags)
	}
	for _, want := range []string{"mdtok-RECOGNISABLE", "literal-RECOGNISABLE", "pw-RECOGNISABLE", "hunter2-RECOGNISABLE"} {
		if !slices.Contains(secrets, want) {
			t.Errorf("secrets %q lack %q", secrets, want)
		}
	}
	if slices.Contains(secrets, "plain-value-1") {
		t.Errorf("a variable used only in a plain field became a secret: %q", secrets)
	}
}

func TestSecretsOfAValidSpecReachThePlan(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.yaml")
	src := `version: 1
name: s
source: {kind: thelook, scale: 0.001}
warehouse: {path: out/w.duckdb}
tables: [{name: users, where: "email <> '${MD}'"}]
sinks:
  - {name: cloud, kind: motherduck, database: thelook, token: "${MD}"}
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MD", "mdtok-RECOGNISABLE")
	c := CheckFile(path)
	if c.Plan == nil {
		t.Fatalf("invalid: %v", c.Diags)
	}
	if !slices.Contains(c.Secrets, "mdtok-RECOGNISABLE") || !slices.Contains(c.Plan.Spec.Secrets(), "mdtok-RECOGNISABLE") {
		t.Errorf("secrets %q, plan's %q", c.Secrets, c.Plan.Spec.Secrets())
	}
	if string(c.Source) != src {
		t.Errorf("source %q", c.Source)
	}
}

// TestReadFileIsBounded: /dev/zero, a FIFO that never ends and a 5 MiB file are
// refused after at most MaxFileSize bytes, with a message that says why; a
// directory too.
func TestReadFileIsBounded(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte(strings.Repeat("# padding\n", 5<<20/10)), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "endless.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer f.Close()
		line := []byte("# more\n")
		for {
			if _, err := f.Write(line); err != nil {
				return // the reader gave up
			}
		}
	}()
	for _, path := range []string{"/dev/zero", fifo, big} {
		_, diags := LoadFile(path)
		if len(diags) != 1 || !strings.Contains(diags[0].Message, "larger than 4 MiB") || diags[0].Pos.File != path {
			t.Errorf("%s: %v", path, diags)
		}
	}
	if _, diags := LoadFile(dir); len(diags) != 1 || !strings.Contains(diags[0].Message, "is a directory") {
		t.Errorf("directory: %v", diags)
	}
	b, err := ReadFile(big)
	if err == nil || b != nil {
		t.Errorf("ReadFile(big) = %d bytes, %v", len(b), err)
	}
}

// TestSecretsOfASpecThatDoesNotParse: a syntax error's diagnostic quotes its source
// line, so the secrets are read from the text itself: literal tokens in flow and
// block style, quoted or not, a block scalar, the variables that feed a token, a
// URL's password (its variable filled in), and a tree's secrets when only a second
// document is wrong. A variable used only in a plain field stays plain.
func TestSecretsOfASpecThatDoesNotParse(t *testing.T) {
	env := envOf(map[string]string{"MD": "mdtok-RECOGNISABLE", "OTHER": "plain-value-1", "PW": "pw-RECOGNISABLE"})
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"open flow mapping", "sinks:\n  - {name: c, kind: motherduck, token: literal-LEAKME-3333\n",
			[]string{"literal-LEAKME-3333"}},
		{"flow mapping, more keys", "sinks: [{token: flow-LEAKME-1, database: x}\n",
			[]string{"flow-LEAKME-1"}},
		{"two secret keys on a line", "sinks: [{token: flow-LEAKME-1, password: flow-LEAKME-2}\n",
			[]string{"flow-LEAKME-1", "flow-LEAKME-2"}},
		{"block, double quotes, comment", "sinks:\n  - token: \"dq-LEAKME\\u0041\" # the token\n    x: [\n",
			[]string{`dq-LEAKME\u0041`, "dq-LEAKMEA"}},
		{"block, single quotes", "sinks:\n  - password: 'sq-LEAKME-2'\n    x: [\n",
			[]string{"sq-LEAKME-2"}},
		{"plain with comment", "sinks:\n  - api_key: plain-LEAKME-3 # note\n  x: y: z\n",
			[]string{"plain-LEAKME-3"}},
		{"block scalar", "sinks:\n  - token: |\n      line-one-LEAKME\n      line-two-LEAKME\n    kind: x\n  x: y: z\n",
			[]string{"line-one-LEAKME", "line-two-LEAKME", "line-one-LEAKME\nline-two-LEAKME"}},
		{"variable feeding a token", "a: ${OTHER}\nsinks:\n  - token: \"${MD}\"\n  x: y: z\n",
			[]string{"mdtok-RECOGNISABLE"}},
		{"URL password from a variable", "endpoint: http://u:${PW}@host:9000\nx: y: z\n",
			[]string{"pw-RECOGNISABLE"}},
		{"second document", "version: 1\nsinks: [{token: \"${MD}\", password: second-LEAKME}]\n---\nx: [\n",
			[]string{"mdtok-RECOGNISABLE", "second-LEAKME"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, diags, secrets := load("s.yaml", []byte(tc.src), env)
			if s != nil || !diags.HasErrors() {
				t.Fatalf("the spec should not parse: %v", diags)
			}
			for _, want := range tc.want {
				if !slices.Contains(secrets, want) {
					t.Errorf("secrets %q lack %q", secrets, want)
				}
			}
			if slices.Contains(secrets, "plain-value-1") {
				t.Errorf("a variable used only in a plain field became a secret: %q", secrets)
			}
		})
	}
}
