package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ecomrun/ecomrun/pkg/diag"
	"github.com/ecomrun/ecomrun/pkg/redact"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

type validateArgs struct {
	format string
	files  []string
}

// runValidate checks specs (schema and semantics) without running anything:
// exit 0 when all are valid, 1 when any is not.
func runValidate(ctx context.Context, args []string, s streams) int {
	var a validateArgs
	fs := newFlags("validate", "SPEC...", s)
	fs.StringVar(&a.format, "format", "text", "output format: text, json or github (Actions annotations)")
	files, err := parse(fs, args)
	if err != nil {
		return parseExit(err)
	}
	a.files = files
	if err := oneOf("format", a.format, "text", "json", "github"); err != nil {
		fmt.Fprintln(s.err, "ecomrun validate:", err)
		return ExitUsage
	}
	if len(a.files) == 0 {
		fmt.Fprintln(s.err, "ecomrun validate: name at least one spec file, e.g. ecomrun validate pipelines/*.yaml")
		return ExitUsage
	}

	type result struct {
		File        string           `json:"file"`
		Valid       bool             `json:"valid"`
		Diagnostics []jsonDiagnostic `json:"diagnostics"`
	}
	var results []result
	valid := true
	for _, f := range a.files {
		c := spec.CheckFile(f)
		red := redact.New(c.Secrets...)
		ok := !c.Diags.HasErrors()
		valid = valid && ok
		results = append(results, result{File: f, Valid: ok, Diagnostics: jsonDiagnostics(masked(c.Diags, red))})
		switch a.format {
		case "text":
			printDiagnostics(s.err, c, red)
			if ok {
				fmt.Fprintf(s.out, "%s: valid\n", f)
			}
		case "github":
			printGitHub(s.out, masked(c.Diags, red))
		}
	}
	if a.format == "json" {
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		_ = enc.Encode(map[string]any{"valid": valid, "files": results})
	}
	if !valid {
		return ExitFailed
	}
	return ExitOK
}

// jsonDiagnostic is a diagnostic as validate --format json writes it: every one
// says its severity, "error" or "warning".
type jsonDiagnostic struct {
	Severity string   `json:"severity"`
	Pos      diag.Pos `json:"pos"`
	Message  string   `json:"message"`
	Detail   string   `json:"detail,omitempty"`
}

func jsonDiagnostics(ds diag.Diagnostics) []jsonDiagnostic {
	out := make([]jsonDiagnostic, len(ds))
	for i, d := range ds {
		out[i] = jsonDiagnostic{Severity: d.Severity.String(), Pos: d.Pos, Message: d.Message, Detail: d.Detail}
	}
	return out
}
