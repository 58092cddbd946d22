package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// Config is what a benchmark run measures and how.
type Config struct {
	Scales []float64
	// Runs is how many times each measurement runs; figures are the medians.
	Runs int
	// Spec is the pipeline whose shape apply runs (its tables, rules and sinks).
	Spec string
	// Exe is the program to start as a child: one that calls RunChild when
	// ChildJob says it is one (the bench command, or a test binary).
	Exe string
	// TempDir holds the children's folders; empty means the system's.
	TempDir string
	// CPUProfileDir, when set, receives a CPU profile of the first run of apply,
	// apply without rules, the baseline and the validation pass at each scale:
	// <kind>-scale<S>.pprof.
	CPUProfileDir string
	// Progress hears a line as each child ends; nil means silence.
	Progress io.Writer
	// Kinds are the measurements to make, in Kinds' order; empty means all.
	Kinds []string
}

// Figures are one scale's measurements: every run, and per kind the medians.
type Figures struct {
	Scale  float64
	Runs   map[string][]Result
	Median map[string]Result
	// Input is what files-prepare wrote for the files measurements (Rows; its
	// time is not a measurement); zero when none ran.
	Input Result
}

// Run makes every measurement of c, one child process each. The runs of a scale are
// interleaved (every kind once, then again) and each round starts one kind later, so
// a burst of load from other work on a shared machine, or the writeback of the
// previous child's files, does not land on the same kind every time.
func Run(ctx context.Context, c Config) ([]Figures, error) {
	if c.Runs < 1 {
		c.Runs = 1
	}
	kinds, err := selected(c.Kinds)
	if err != nil {
		return nil, err
	}
	var all []Figures
	for _, scale := range c.Scales {
		f, err := c.scale(ctx, scale, kinds)
		if len(f.Runs) > 0 {
			all = append(all, f)
		}
		if err != nil {
			return all, err
		}
	}
	return all, nil
}

// scale makes every measurement of one scale, after writing the files the files
// measurements read (removed at the end).
func (c Config) scale(ctx context.Context, scale float64, kinds []string) (Figures, error) {
	f := Figures{Scale: scale, Runs: map[string][]Result{}, Median: map[string]Result{}}
	var input string
	if slices.ContainsFunc(kinds, func(k string) bool { return filesFormat(k) != "" }) {
		var err error
		if input, err = os.MkdirTemp(c.TempDir, "ecomrun-bench-input-"); err != nil {
			return f, err
		}
		defer os.RemoveAll(input)
		if f.Input, err = c.child(ctx, Job{Kind: kindPrepareFiles, Scale: scale, Spec: c.Spec, Input: input}); err != nil {
			return f, err
		}
		if c.Progress != nil {
			fmt.Fprintf(c.Progress, "scale %g %s: %s rows as CSV and Parquet in %.2f s (not measured)\n",
				scale, kindPrepareFiles, count(float64(f.Input.Rows)), f.Input.Seconds)
		}
	}
	for run := 1; run <= c.Runs; run++ {
		for i := range kinds {
			kind := kinds[(i+run-1)%len(kinds)]
			j := Job{Kind: kind, Scale: scale, Spec: c.Spec}
			if filesFormat(kind) != "" {
				j.Input = input
			}
			if run == 1 && c.CPUProfileDir != "" && kind != KindGenerate {
				j.CPUProfile = filepath.Join(c.CPUProfileDir, fmt.Sprintf("%s-scale%g.pprof", kind, scale))
			}
			r, err := c.child(ctx, j)
			if err != nil {
				return f, err
			}
			if c.Progress != nil {
				fmt.Fprintf(c.Progress, "scale %g run %d/%d %-22s %7.2f s (cpu %.2f s)  %s rows/s  peak RSS %s  load %s\n",
					scale, run, c.Runs, kind, r.Seconds, r.CPUSeconds, count(rate(r.Rows, r.Seconds)), mib(r.PeakRSS), loadAverage())
			}
			f.Runs[kind] = append(f.Runs[kind], r)
		}
	}
	for kind, rs := range f.Runs {
		f.Median[kind] = median(rs)
	}
	return f, f.consistent()
}

// selected returns the measurements named, in Kinds' order: kinds or the groups
// "generator" (GeneratorKinds) and "files" (FilesKinds); none named means all.
func selected(names []string) ([]string, error) {
	if len(names) == 0 {
		return Kinds, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		switch {
		case n == "generator":
			for _, k := range GeneratorKinds {
				want[k] = true
			}
		case n == "files":
			for _, k := range FilesKinds {
				want[k] = true
			}
		case slices.Contains(Kinds, n):
			want[n] = true
		default:
			return nil, fmt.Errorf("unknown measurement %q: want generator, files or one of %s", n, strings.Join(Kinds, ", "))
		}
	}
	var out []string
	for _, k := range Kinds {
		if want[k] {
			out = append(out, k)
		}
	}
	return out, nil
}

// ParseKinds reads measurement names written as "files" or "apply,baseline".
func ParseKinds(s string) ([]string, error) {
	names := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
	if _, err := selected(names); err != nil {
		return nil, err
	}
	return names, nil
}

// child runs one job in a fresh folder, removed afterwards, and adds the child's peak RSS.
func (c Config) child(ctx context.Context, j Job) (Result, error) {
	dir, err := os.MkdirTemp(c.TempDir, "ecomrun-bench-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)
	j.Dir = dir
	b, err := json.Marshal(j)
	if err != nil {
		return Result{}, err
	}
	cmd := exec.CommandContext(ctx, c.Exe)
	cmd.Env = append(os.Environ(), childEnv+"="+string(b))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return Result{}, fmt.Errorf("%s at scale %g: %v\n%s", j.Kind, j.Scale, err, strings.TrimSpace(stderr.String()))
	}
	var r Result
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		return Result{}, fmt.Errorf("%s at scale %g: reading its result: %v", j.Kind, j.Scale, err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.PeakRSS = ru.Maxrss * 1024 // Linux reports KiB
	}
	return r, nil
}

// consistent checks that every run of every measurement of a scale handled the
// same rows, and apply quarantined none: figures over different data would compare
// nothing. The rows are the generator's, or, without it, those written as files,
// or, without either (BENCH_KINDS=validate), the first measurement's.
func (f Figures) consistent() error {
	want, from := f.Input.Rows, "files-prepare wrote"
	if g, ok := f.Median[KindGenerate]; ok {
		want, from = g.Rows, "the generator made"
	}
	for _, kind := range Kinds {
		if rs := f.Runs[kind]; want == 0 && len(rs) > 0 {
			want, from = rs[0].Rows, "its first run of "+kind+" handled"
		}
	}
	if f.Input.Rows != 0 && f.Input.Rows != want {
		return fmt.Errorf("scale %g: files-prepare wrote %d rows, %s %d", f.Scale, f.Input.Rows, from, want)
	}
	for _, kind := range Kinds {
		for _, r := range f.Runs[kind] {
			if r.Rows != want {
				return fmt.Errorf("scale %g: %s handled %d rows, %s %d", f.Scale, kind, r.Rows, from, want)
			}
			if r.Quarantined != 0 || r.Violations != 0 {
				return fmt.Errorf("scale %g: %s found invalid rows (%d quarantined, %d violations) in clean generated data",
					f.Scale, kind, r.Quarantined, r.Violations)
			}
		}
	}
	return nil
}

// median takes the median of each figure over runs separately.
func median(rs []Result) Result {
	m := rs[0]
	m.Seconds = medianOf(rs, func(r Result) float64 { return r.Seconds })
	m.CPUSeconds = medianOf(rs, func(r Result) float64 { return r.CPUSeconds })
	m.RowwiseSeconds = medianOf(rs, func(r Result) float64 { return r.RowwiseSeconds })
	m.RowwiseCPUSeconds = medianOf(rs, func(r Result) float64 { return r.RowwiseCPUSeconds })
	m.PeakRSS = int64(medianOf(rs, func(r Result) float64 { return float64(r.PeakRSS) }))
	m.Stages = slices.Clone(m.Stages)
	for i := range m.Stages {
		m.Stages[i].Seconds = medianOf(rs, func(r Result) float64 { return r.Stages[i].Seconds })
	}
	return m
}

func medianOf(rs []Result, f func(Result) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2
	}
	return v[len(v)/2]
}

// ParseScales reads scales written as "1 10" or "1,10".
func ParseScales(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || !(v > 0) {
			return nil, fmt.Errorf("scale %q: want a number above 0", f)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scales in %q", s)
	}
	return out, nil
}

func rate(rows int64, seconds float64) float64 {
	if seconds <= 0 {
		return 0
	}
	return float64(rows) / seconds
}

// loadAverage is the machine's 1-minute load average, to show in progress lines how
// busy other work kept the CPUs.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b) + " ?")[0]
}
