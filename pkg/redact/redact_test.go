package redact

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
)

func TestRedactorMasksSecretsAndKeepsTheChain(t *testing.T) {
	t.Setenv("AWS_SECRET_ACCESS_KEY", "aws-secret-123456")
	r := New("md-token-abcdef", "us") // "us" is too short to be a secret worth masking
	err := r.Error(fmt.Errorf("upload failed with key aws-secret-123456 and md-token-abcdef in us: %w", context.Canceled))
	want := "upload failed with key (secret) and (secret) in us: context canceled"
	if err.Error() != want {
		t.Errorf("got  %q\nwant %q", err, want)
	}
	if !errors.Is(err, context.Canceled) {
		t.Error("the redacted error lost its chain")
	}
	plain := errors.New("nothing secret")
	if r.Error(plain) != plain || r.Error(nil) != nil {
		t.Error("errors without secrets should pass unchanged")
	}
}

func TestRedactorMasksEverywhereASecretCanShow(t *testing.T) {
	t.Setenv("OPENLINEAGE_API_KEY", "ol-key-RECOGNISABLE")
	key := t.TempDir() + "/key.json"
	if err := os.WriteFile(key, []byte(`{"type": "service_account", "private_key_id": "keyid-RECOGNISABLE",
		"private_key": "-----BEGIN PRIVATE KEY-----\nline1-RECOGNISABLE\nline2-RECOGNISABLE\n-----END PRIVATE KEY-----\n"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", key)
	r := New(`tok"en-RECOGNISABLE`, "abc-RECOGNISABLE-abc-longer", "RECOGNISABLE-abc")
	for in, want := range map[string]string{
		"lineage ol-key-RECOGNISABLE":                     "lineage (secret)",
		"key keyid-RECOGNISABLE, part line2-RECOGNISABLE": "key (secret), part (secret)",
		`{"token": "tok\"en-RECOGNISABLE"}`:               `{"token": "(secret)"}`,
		"<p>tok&#34;en-RECOGNISABLE</p>":                  "<p>(secret)</p>",
		"endpoint http://user:pa55@host:9000/x":           "endpoint http://user:(secret)@host:9000/x",
		"a abc-RECOGNISABLE-abc-longer b":                 "a (secret) b", // the longer secret wins over the one inside it
		"overlap abc-RECOGNISABLE-abc":                    "overlap abc-(secret)",
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
	if got := URLPasswords("a s3://k:p@h and https://u:secret-pw@x/y, http://nopw@h"); len(got) != 2 || got[0] != "p" || got[1] != "secret-pw" {
		t.Errorf("URLPasswords = %q", got)
	}

	// A caret's column follows the mask: before it, inside it, after it.
	line := "    endpoint: http://u:longpassword@host # see"
	for col, want := range map[int]int{5: 5, 19: 19, 24: 24, 30: 24, 40: 36} {
		masked, got := r.Line(line, col)
		if masked != "    endpoint: http://u:(secret)@host # see" || got != want {
			t.Errorf("Line(col %d) = %q, %d; want col %d", col, masked, got, want)
		}
	}

	var buf bytes.Buffer
	fmt.Fprintf(r.Writer(&buf), "error=%q\n", "ol-key-RECOGNISABLE")
	if buf.String() != "error=\"(secret)\"\n" {
		t.Errorf("Writer wrote %q", buf.String())
	}
}

// TestRedactorMasksEscapedForms: a secret is masked however a renderer escaped
// it: Markdown (a backslash before a pipe or an edge underscore, an entity), DOT
// and JSON strings (a backslash before a quote), Mermaid (#quot;), a line break
// written as a space; the caret of a source line still follows the mask.
func TestRedactorMasksEscapedForms(t *testing.T) {
	r := New("tok|LEAK_x", `dq"LEAK\y`, "two\nLEAK-lines", "amp&LEAK<z")
	for in, want := range map[string]string{
		"| `a tok\\|LEAK_x b` |":      "| `a (secret) b` |",
		`where \_tok\|LEAK\_x\_`:      `where \_(secret)\_`,
		`label="dq\"LEAK\\y"`:         `label="(secret)"`,
		`A["dq#quot;LEAK\y"]`:         `A["(secret)"]`,
		"path two LEAK-lines here":    "path (secret) here",
		"cell amp&amp;LEAK&lt;z.":     "cell (secret).",
		"json amp\\u0026LEAK\\u003cz": "json (secret)",
		"tok LEAK x stays":            "tok LEAK x stays",
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
	if masked, col := r.Line(`  x: "tok\|LEAK_x" y`, 20); masked != `  x: "(secret)" y` || col != 17 {
		t.Errorf("Line = %q, col %d", masked, col)
	}
}
