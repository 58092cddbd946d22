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
}

// Figures are one scale's measurements: every run, and per kind the medians.
type Figures struct {
	Scale  float64
	Runs   map[string][]Result
	Median map[string]Result
}

// Run makes every measurement of c, one child process each. The runs of a scale are
// interleaved (every kind once, then again) and each round starts one kind later, so
// a burst of load from other work on a shared machine, or the writeback of the
// previous child's files, does not land on the same kind every time.
func Run(ctx context.Context, c Config) ([]Figures, error) {
	if c.Runs < 1 {
		c.Runs = 1
	}
	var all []Figures
	for _, scale := range c.Scales {
		f := Figures{Scale: scale, Runs: map[string][]Result{}, Median: map[string]Result{}}
		for run := 1; run <= c.Runs; run++ {
			for i := range Kinds {
				kind := Kinds[(i+run-1)%len(Kinds)]
				j := Job{Kind: kind, Scale: scale, Spec: c.Spec}
				if run == 1 && c.CPUProfileDir != "" && kind != KindGenerate {
					j.CPUProfile = filepath.Join(c.CPUProfileDir, fmt.Sprintf("%s-scale%g.pprof", kind, scale))
				}
				r, err := c.child(ctx, j)
				if err != nil {
					return all, err
				}
				if c.Progress != nil {
					fmt.Fprintf(c.Progress, "scale %g run %d/%d %-14s %7.2f s (cpu %.2f s)  %s rows/s  peak RSS %s  load %s\n",
						scale, run, c.Runs, kind, r.Seconds, r.CPUSeconds, count(rate(r.Rows, r.Seconds)), mib(r.PeakRSS), loadAverage())
				}
				f.Runs[kind] = append(f.Runs[kind], r)
			}
		}
		for kind, rs := range f.Runs {
			f.Median[kind] = median(rs)
		}
		if err := f.consistent(); err != nil {
			return append(all, f), err
		}
		all = append(all, f)
	}
	return all, nil
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

// consistent checks that every measurement of a scale handled the same rows, and
// apply quarantined none: figures over different data would compare nothing.
func (f Figures) consistent() error {
	want := f.Median[KindGenerate].Rows
	for _, kind := range Kinds {
		if r := f.Median[kind]; r.Rows != want {
			return fmt.Errorf("scale %g: %s handled %d rows, the generator made %d", f.Scale, kind, r.Rows, want)
		}
		if r := f.Median[kind]; r.Quarantined != 0 || r.Violations != 0 {
			return fmt.Errorf("scale %g: %s found invalid rows in clean generated data", f.Scale, kind)
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
