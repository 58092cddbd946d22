package cli

import (
	"encoding/json"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/diag"
)

// TestJSONDiagnosticsSeverity: validate --format json names every diagnostic's
// severity, warnings included (the spec checks report none today).
func TestJSONDiagnosticsSeverity(t *testing.T) {
	ds := diag.Diagnostics{}
	ds.Errorf(diag.Pos{File: "a.yaml", Line: 1, Col: 2}, "bad")
	ds.Warnf(diag.Pos{File: "a.yaml", Line: 3}, "odd")
	b, err := json.Marshal(jsonDiagnostics(ds))
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"severity":"error","pos":{"file":"a.yaml","line":1,"col":2},"message":"bad"},` +
		`{"severity":"warning","pos":{"file":"a.yaml","line":3},"message":"odd"}]`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}
