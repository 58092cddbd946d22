package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/atomicfile"
	"github.com/ecomrun/ecomrun/pkg/engine"
)

type replayArgs struct {
	file          string
	tables        string
	report        string
	skipPreflight bool
}

// runReplay re-checks quarantined rows against the spec's current rules: the rows
// that pass now move into their tables and out to the sinks, the rest stay with
// their current reasons.
func runReplay(ctx context.Context, args []string, s streams) int {
	var a replayArgs
	fs := newFlags("replay", "SPEC", s)
	fs.StringVar(&a.tables, "tables", "", "only these tables (comma-separated)")
	fs.StringVar(&a.report, "report", "", "write what moved, and the sinks' outputs, as JSON to this file")
	fs.BoolVar(&a.skipPreflight, "skip-preflight", false, "do not check the warehouse and every sink's destination first")
	files, err := parse(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if len(files) != 1 {
		fmt.Fprintln(s.err, "ecomrun replay: name one spec file, e.g. ecomrun replay pipelines/daily.yaml")
		return ExitUsage
	}
	a.file = files[0]
	plan, code := compile(a.file, s)
	if plan == nil {
		return code
	}
	tables, err := tablesFlag(fs, a.tables)
	if err != nil {
		fmt.Fprintln(s.err, "ecomrun replay:", err)
		return ExitUsage
	}
	if tables != nil {
		if _, _, err := engine.Subset(plan, tables); err != nil {
			fmt.Fprintf(s.err, "ecomrun replay: --tables: %v\n", err)
			return ExitUsage
		}
	}
	red := redactorFor(plan)
	res, runErr := engine.Replay(ctx, plan, engine.ReplayOptions{Tables: tables, Preflight: !a.skipPreflight})
	var out, errs bytes.Buffer
	if res != nil {
		printReplay(&out, res)
	}
	if runErr != nil {
		fmt.Fprintf(&errs, "error: %v\n", runErr)
	}
	if a.report != "" && res != nil {
		b, err := json.MarshalIndent(res, "", "  ")
		if err == nil {
			err = atomicfile.Write(a.report, []byte(red.String(string(b))+"\n"))
		}
		if err != nil {
			fmt.Fprintf(&errs, "ecomrun replay: cannot write the report %s: %v\n", a.report, err)
			runErr = errors.Join(runErr, err)
		}
	}
	io.WriteString(s.out, red.String(out.String()))
	io.WriteString(s.err, red.String(errs.String()))
	switch {
	case runErr != nil && ctx.Err() != nil:
		return ExitCanceled
	case runErr != nil:
		return ExitFailed
	}
	return ExitOK
}

// printReplay says, per table, how many quarantined rows moved and how many stay,
// under which rules, then what the sinks wrote.
func printReplay(w io.Writer, res *engine.ReplayResult) {
	fmt.Fprintf(w, "Replay %s of %q: %s\n\n", res.RunID, res.Report.Pipeline, res.Report.Status)
	if len(res.Tables) == 0 {
		fmt.Fprintln(w, "No quarantined rows to replay.")
		return
	}
	tt := textTable{right: []bool{false, true, true, true}}
	tt.add("TABLE", "QUARANTINED", "MOVED", "KEPT")
	var kept []string
	for _, t := range res.Tables {
		tt.add(t.Table, fmt.Sprint(t.Quarantined), fmt.Sprint(t.Moved), fmt.Sprint(t.Kept))
		for _, rule := range slices.Sorted(maps.Keys(t.Rules)) {
			kept = append(kept, fmt.Sprintf("  %s.%s: %d rows", t.Table, rule, t.Rules[rule]))
		}
	}
	tt.write(w)
	if len(kept) > 0 {
		fmt.Fprintf(w, "\nStill quarantined, by the rules they break now:\n%s\n", strings.Join(kept, "\n"))
	}
	if len(res.Report.Outputs) > 0 {
		fmt.Fprintln(w, "\nOutputs:")
		printOutputs(w, res.Report.Outputs)
	}
}

// The verb registers itself after state, so cli.go's list stays as it is while it
// changes for other reasons.
func init() {
	at := slices.IndexFunc(commands, func(c command) bool { return c.name == "state" }) + 1
	commands = slices.Insert(commands, at, command{"replay", "move quarantined rows that pass the spec's current rules into their tables and sinks", runReplay})
}
