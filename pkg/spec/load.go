package spec

import (
	"os"

	"github.com/ecomrun/ecomrun/pkg/diag"
)

// Load reads a spec from src; file names it in diagnostics. It interpolates ${VAR}
// and ${VAR:-default} through lookupEnv (nil: nothing is set), checks the result
// against the embedded JSON Schema and the built-in models, and reports every problem
// it finds in one run, sorted by position. The Spec is nil when there is an error; it
// comes with its defaults filled and unnamed rules named.
func Load(file string, src []byte, lookupEnv func(string) (string, bool)) (*Spec, diag.Diagnostics) {
	if lookupEnv == nil {
		lookupEnv = func(string) (string, bool) { return "", false }
	}
	doc, diags := parse(file, src)
	if diags.HasErrors() {
		return nil, diags.Sort()
	}
	diags = append(diags, interpolate(doc, lookupEnv)...)
	v, more := toValue(doc)
	diags = append(diags, more...)
	if more.HasErrors() {
		// These errors are about the YAML itself (keys, aliases, tags); checking the
		// half-converted tree against the schema would only add noise.
		return nil, diags.Sort()
	}
	diags = append(diags, validateSchema(doc, v)...)
	s, err := decode(doc, v)
	if err != nil && !diags.HasErrors() {
		diags.Errorf(doc.pos(doc.root), "%v", err)
	}
	diags = append(diags, check(s, doc)...)
	if diags.HasErrors() {
		return nil, diags.Sort()
	}
	return s, diags.Sort()
}

// LoadFile reads and loads the spec at path, interpolating from the environment.
func LoadFile(path string) (*Spec, diag.Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		var diags diag.Diagnostics
		diags.Errorf(diag.Pos{File: path}, "%v", err)
		return nil, diags
	}
	return Load(path, src, os.LookupEnv)
}

// Check loads the spec at path and compiles it, as the validate and plan commands do.
func Check(path string) (*Plan, diag.Diagnostics) {
	s, diags := LoadFile(path)
	if diags.HasErrors() {
		return nil, diags
	}
	p, more := Compile(s)
	return p, append(diags, more...).Sort()
}
