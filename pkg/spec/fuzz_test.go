package spec

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds Load arbitrary bytes: it must not panic, and every diagnostic must
// point at a line, since the CLI shows the offending line under each message.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	invalid, _ := filepath.Glob("testdata/invalid/*.yaml")
	pipelines, _ := filepath.Glob("../../pipelines/*.yaml")
	for _, path := range append(append(seeds, invalid...), pipelines...) {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	env := envOf(map[string]string{"OUT": "out", "SCALE": "0.5"})
	f.Fuzz(func(t *testing.T, src []byte) {
		s, diags := Load("fuzz.yaml", src, env)
		for _, d := range diags {
			if d.Pos.Line == 0 {
				t.Errorf("diagnostic without a line: %s", d)
			}
		}
		if s == nil {
			if !diags.HasErrors() {
				t.Error("no spec and no error")
			}
			return
		}
		if _, diags := Compile(s); diags.HasErrors() {
			t.Errorf("a loaded spec does not compile: %s", diags)
		}
	})
}
