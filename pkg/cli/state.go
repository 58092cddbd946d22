package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/ecomrun/ecomrun/pkg/stages"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

// runState shows, per table, the stored watermark and how its last run ended.
func runState(ctx context.Context, args []string, s streams) int {
	var format string
	fs := newFlags("state", "SPEC", s)
	fs.StringVar(&format, "format", "text", "output format: text or json")
	files, err := parse(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if err := oneOf("format", format, "text", "json"); err != nil {
		fmt.Fprintln(s.err, "ecomrun state:", err)
		return ExitUsage
	}
	if len(files) != 1 {
		fmt.Fprintln(s.err, "ecomrun state: name one spec file, e.g. ecomrun state pipelines/daily.yaml")
		return ExitUsage
	}
	plan, code := compile(files[0], s)
	if plan == nil {
		return code
	}
	path := plan.Spec.Warehouse.Path
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(s.err, "ecomrun state: no warehouse at %s yet: nothing has run\n", path)
		return ExitFailed
	}
	wh, err := warehouse.OpenReadOnly(ctx, path)
	if err != nil {
		fmt.Fprintln(s.err, "ecomrun state:", err)
		return ExitFailed
	}
	defer wh.Close()
	if ok, err := wh.Exists(ctx, "", stages.StateSchema, "state"); err == nil && !ok {
		// A warehouse a preflight opened, or one made by hand: no run has finished in it.
		fmt.Fprintf(s.err, "ecomrun state: %s has no ecomrun state yet: nothing has run\n", path)
		return ExitFailed
	}
	states, err := stages.ReadState(ctx, wh.DB)
	if err != nil {
		fmt.Fprintf(s.err, "ecomrun state: %s holds no ecomrun state (%v)\n", path, err)
		return ExitFailed
	}
	if format == "json" {
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		_ = enc.Encode(states)
		return ExitOK
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tMODE\tCURSOR\tWATERMARK\tLAST RUN\tSTATUS\tUPDATED")
	for _, st := range states {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", st.Table, st.Mode, orDash(st.Cursor), orDash(st.Watermark),
			st.LastRunID, st.Status, st.Updated.UTC().Format("2006-01-02 15:04:05Z"))
	}
	tw.Flush()
	return ExitOK
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
