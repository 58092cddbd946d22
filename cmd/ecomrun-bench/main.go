// Command ecomrun-bench measures ecomrun against bare DuckDB and its own targets
// (`make bench`). It starts itself again as a child process for every measurement,
// so each one's peak RSS is its own.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/ecomrun/ecomrun/internal/bench"
)

func main() { os.Exit(run()) }

func run() int {
	// Canceling kills the running child and removes its folder (its files can be GBs).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if job, ok := bench.ChildJob(); ok {
		return bench.RunChild(ctx, job, os.Stdout, os.Stderr)
	}

	// The environment gives the Makefile's knobs: BENCH_SCALES replaces the scales,
	// BENCH_SCALE adds one (BENCH_SCALE=30), BENCH_RUNS sets the runs, BENCH_KINDS
	// picks measurements (BENCH_KINDS=files).
	scales := envOr("BENCH_SCALES", "1,10")
	if extra := os.Getenv("BENCH_SCALE"); extra != "" && os.Getenv("BENCH_SCALES") == "" {
		scales += "," + extra
	}
	runs, _ := strconv.Atoi(envOr("BENCH_RUNS", "1"))
	kinds := os.Getenv("BENCH_KINDS")
	c := bench.Config{Progress: os.Stderr}
	fs := flag.NewFlagSet("ecomrun-bench", flag.ContinueOnError)
	fs.StringVar(&scales, "scales", scales, "scales to measure, e.g. 1,10 (env BENCH_SCALES; BENCH_SCALE adds one)")
	fs.IntVar(&c.Runs, "runs", runs, "runs per measurement; figures are medians (env BENCH_RUNS)")
	fs.StringVar(&c.Spec, "spec", "pipelines/daily.yaml", "the pipeline whose tables, rules and sinks apply runs")
	fs.StringVar(&c.CPUProfileDir, "cpuprofile", "", "write CPU profiles (first run of apply, apply without validation, the baseline and the validation pass) to this folder")
	fs.StringVar(&c.TempDir, "tmp", "", "folder for the measurements' warehouses and files (default: the system's)")
	fs.StringVar(&kinds, "kinds", kinds, "measurements to make: generator, files, or kinds such as apply,files-csv-apply (env BENCH_KINDS; default all)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	var err error
	if kinds != "" {
		if c.Kinds, err = bench.ParseKinds(kinds); err != nil {
			fmt.Fprintln(os.Stderr, "ecomrun-bench:", err)
			return 2
		}
	}
	if c.Scales, err = bench.ParseScales(scales); err != nil {
		fmt.Fprintln(os.Stderr, "ecomrun-bench:", err)
		return 2
	}
	if c.Exe, err = os.Executable(); err != nil {
		fmt.Fprintln(os.Stderr, "ecomrun-bench:", err)
		return 1
	}
	if c.CPUProfileDir != "" {
		if err := os.MkdirAll(c.CPUProfileDir, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "ecomrun-bench:", err)
			return 1
		}
	}
	figs, err := bench.Run(ctx, c)
	bench.Render(os.Stdout, bench.Machine(), c.Runs, figs)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ecomrun-bench:", err)
		return 1
	}
	return 0
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
