package spec

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/ecomrun/ecomrun/pkg/diag"
)

// MaxFileSize caps what is read of a spec file. A spec is a few kilobytes; the cap
// keeps a wrong argument (/dev/zero, a FIFO that never ends, a data file) from
// reading until memory runs out.
const MaxFileSize = 4 << 20

// ReadFile reads a spec file, or says why it will not: it is not a file one can
// read (a directory), or it holds more than MaxFileSize bytes. Devices and pipes
// are read through the cap, so "validate <(generate-spec)" still works.
// readTimeout bounds the wait for a pipe's next bytes.
var readTimeout = 10 * time.Second

func ReadFile(path string) ([]byte, error) {
	// Non-blocking, so that opening a FIFO nothing writes to does not wait for a
	// writer forever; reads of such a file wait at most readTimeout.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		_ = f.SetReadDeadline(time.Now().Add(readTimeout)) // a FIFO; a device has none
	}
	tooLarge := fmt.Errorf("the file is larger than %d MiB; a spec is a few kilobytes of YAML (is this the right file?)", MaxFileSize>>20)
	switch {
	case info.IsDir():
		return nil, fmt.Errorf("%s is a directory, not a spec file", path)
	case info.Mode().IsRegular() && info.Size() > MaxFileSize:
		return nil, tooLarge
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	// A FIFO read before its writer opened it ends at once: wait for one, a while.
	for start := time.Now(); err == nil && len(b) == 0 && info.Mode()&os.ModeNamedPipe != 0 && time.Since(start) < readTimeout; {
		time.Sleep(20 * time.Millisecond)
		b, err = io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, fmt.Errorf("nothing to read from %s for %v (a pipe that nothing writes to?)", path, readTimeout)
	}
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileSize {
		return nil, tooLarge
	}
	return b, nil
}

// Load reads a spec from src; file names it in diagnostics. It interpolates ${VAR}
// and ${VAR:-default} through lookupEnv (nil: nothing is set), checks the result
// against the embedded JSON Schema and the built-in models, and reports every problem
// it finds in one run, sorted by position. The Spec is nil when there is an error; it
// comes with its defaults filled and unnamed rules named.
func Load(file string, src []byte, lookupEnv func(string) (string, bool)) (*Spec, diag.Diagnostics) {
	s, diags, _ := load(file, src, lookupEnv)
	return s, diags
}

// load is Load, and also returns the spec's secrets (collectSecrets), which an
// invalid spec has too: its diagnostics may quote them.
func load(file string, src []byte, lookupEnv func(string) (string, bool)) (*Spec, diag.Diagnostics, []string) {
	if lookupEnv == nil {
		lookupEnv = func(string) (string, bool) { return "", false }
	}
	doc, diags := parse(file, src)
	if diags.HasErrors() {
		// A syntax error's diagnostic quotes its source line, which may be a token's:
		// the secrets come from the text, and from the tree when one was parsed
		// (the file holds a second document, or an alias names no anchor).
		secrets := rawSecrets(file, src, lookupEnv)
		if doc != nil {
			_, vars := interpolate(doc, lookupEnv)
			for _, v := range collectSecrets(doc, vars, lookupEnv) {
				if !slices.Contains(secrets, v) {
					secrets = append(secrets, v)
				}
			}
		}
		return nil, diags.Sort(), secrets
	}
	more, secretVars := interpolate(doc, lookupEnv)
	diags = append(diags, more...)
	secrets := collectSecrets(doc, secretVars, lookupEnv)
	v, more := toValue(doc)
	diags = append(diags, more...)
	if more.HasErrors() {
		// These errors are about the YAML itself (keys, aliases, tags); checking the
		// half-converted tree against the schema would only add noise.
		return nil, diags.Sort(), secrets
	}
	diags = append(diags, validateSchema(doc, v)...)
	s, more, err := decode(doc, v)
	diags = append(diags, more...)
	if err != nil && !diags.HasErrors() {
		diags.Errorf(doc.pos(doc.root), "%v", err)
	}
	b := &binder{} // one DuckDB for the spec and its model files, if any needs it
	defer b.close()
	diags = append(diags, s.loadModels(doc, b)...)
	diags = append(diags, check(s, doc, b)...)
	if diags.HasErrors() {
		return nil, diags.Sort(), secrets
	}
	s.secrets = secrets
	return s, diags.Sort(), secrets
}

// LoadFile reads and loads the spec at path, interpolating from the environment.
func LoadFile(path string) (*Spec, diag.Diagnostics) {
	c := readAndLoad(path)
	return c.spec, c.Diags
}

// Checked is a spec file as the validate, plan and apply commands see it.
type Checked struct {
	File string
	Plan *Plan // nil when there is an error
	// Diags are the spec's problems, sorted by position.
	Diags diag.Diagnostics
	// Source is the text read, for showing the lines diagnostics point at.
	Source []byte
	// Secrets are the values to mask in any output about the spec (Spec.Secrets),
	// known even when the spec is not valid.
	Secrets []string

	spec *Spec
}

// CheckFile reads the spec at path once, loads it interpolating from the
// environment, and compiles it when it is valid.
func CheckFile(path string) Checked {
	c := readAndLoad(path)
	if c.Diags.HasErrors() {
		return c
	}
	p, more := Compile(c.spec)
	c.Plan, c.Diags = p, append(c.Diags, more...).Sort()
	return c
}

func readAndLoad(path string) Checked {
	c := Checked{File: path}
	src, err := ReadFile(path)
	if err != nil {
		c.Diags.Errorf(diag.Pos{File: path}, "%v", err)
		return c
	}
	c.Source = src
	c.spec, c.Diags, c.Secrets = load(path, src, os.LookupEnv)
	return c
}

// Check loads the spec at path and compiles it, as the validate and plan commands do.
func Check(path string) (*Plan, diag.Diagnostics) {
	c := CheckFile(path)
	return c.Plan, c.Diags
}
