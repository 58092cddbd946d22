package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/ecomrun/ecomrun/pkg/atomicfile"
	"github.com/ecomrun/ecomrun/pkg/engine"
)

type applyArgs struct {
	file        string
	parallelism int
	report      string
	quiet       bool
}

// runApply runs a pipeline and closes with a summary; --report writes the same
// facts as JSON.
func runApply(ctx context.Context, args []string, s streams) int {
	var a applyArgs
	fs := newFlags("apply", "SPEC", s)
	fs.IntVar(&a.parallelism, "parallelism", 0, "stages running at once (default: the number of CPUs)")
	fs.StringVar(&a.report, "report", "", "write the run report as JSON to this file")
	fs.BoolVar(&a.quiet, "quiet", false, "print only errors and the summary")
	files, err := parse(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if len(files) != 1 {
		fmt.Fprintln(s.err, "ecomrun apply: name one spec file, e.g. ecomrun apply pipelines/daily.yaml")
		return ExitUsage
	}
	a.file = files[0]
	if a.parallelism < 0 {
		fmt.Fprintln(s.err, "ecomrun apply: --parallelism must be at least 1")
		return ExitUsage
	}
	plan, code := compile(a.file, s)
	if plan == nil {
		return code
	}

	var mu sync.Mutex
	progress := func(ev engine.StageEvent) {
		if a.quiet || ev.Status == "running" || ev.Status == "skipped" || ev.Status == "canceled" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(s.err, "%s %-8s %s\n", time.Now().UTC().Format("15:04:05"), ev.Status, ev.Stage.ID)
	}
	rep, runErr := engine.Apply(ctx, plan, engine.Options{Parallelism: a.parallelism, OnStage: progress})
	if a.report != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err == nil {
			err = atomicfile.Write(a.report, append(b, '\n'))
		}
		if err != nil {
			fmt.Fprintf(s.err, "ecomrun apply: write report %s: %v\n", a.report, err)
		}
	}
	printSummary(s.out, rep)
	if runErr != nil {
		printRunErrors(s.err, rep)
		if ctx.Err() != nil {
			return ExitCanceled
		}
		return ExitFailed
	}
	return ExitOK
}
