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
