package cli

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateRefusesEachClass runs validate on every testdata/refused/*.yaml: one
// broken spec per class of mistake that apply would refuse. Each file's first line
// says where and what, "# refused at LINE:COL: words of the message", and validate
// must fail with a diagnostic at exactly FILE:LINE:COL whose text holds those words.
func TestValidateRefusesEachClass(t *testing.T) {
	files, _ := filepath.Glob("testdata/refused/*.yaml")
	if len(files) == 0 {
		t.Fatal("no testdata/refused/*.yaml")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			at, words := refusedWant(t, f)
			var out, errOut bytes.Buffer
			code := runValidate(context.Background(), []string{f}, streams{out: &out, err: &errOut})
			if code != ExitFailed {
				t.Fatalf("validate exit %d, want %d\nstdout: %s\nstderr: %s", code, ExitFailed, &out, &errOut)
			}
			for _, line := range strings.Split(errOut.String(), "\n") {
				if strings.HasPrefix(line, f+":"+at+":") && strings.Contains(line, words) {
					return
				}
			}
			t.Fatalf("no diagnostic at %s:%s containing %q; validate said:\n%s", f, at, words, &errOut)
		})
	}
}

// refusedWant reads a refused spec's first line, "# refused at LINE:COL: words".
func refusedWant(t *testing.T, file string) (at, words string) {
	t.Helper()
	fh, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	first, _ := bufio.NewReader(fh).ReadString('\n')
	rest, ok := strings.CutPrefix(strings.TrimSpace(first), "# refused at ")
	at, words, ok2 := strings.Cut(rest, ": ")
	if !ok || !ok2 {
		t.Fatalf("%s: first line must be \"# refused at LINE:COL: words\", got %q", file, first)
	}
	return at, words
}
