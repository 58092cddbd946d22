package bench

import (
	"fmt"
	"io"
	"strings"
)

// Targets from issues 2, 3, 9 and 14, on a 2-core machine.
const (
	maxBaselineRatio = 1.3     // apply within 1.3x of bare DuckDB, at scales up to 10
	maxNoRulesRatio  = 1.3     // apply within 1.3x of apply without validation
	minGenerator     = 3e6     // generator rows/s
	minValidation    = 10e6    // validation rows/s, built-in rules on typed data
	gib              = 1 << 30 // peak RSS: 1 GiB up to scale 1, 1.5 GiB above
	maxFilesCPU      = 1.20    // files source: apply's CPU within 1.2x of issue 14's bare DuckDB script (scale 1)
	maxFilesWall     = 1.10    // files source: apply's wall within 1.1x of the script's
)

// Target is one goal and how a measurement stands against it.
type Target struct {
	Goal  string
	Value string
	Met   bool
}

// filesPair is one input format's apply and its bare-DuckDB yardsticks: issue 14's
// script (table after table), which the targets are read against, and the same
// statements in apply's shape, stricter, whose ratios print beside.
type filesPair struct{ name, script, baseline, apply string }

var filesPairs = []filesPair{
	{"CSV", KindFilesCSVScript, KindFilesCSVBaseline, KindFilesCSVApply},
	{"Parquet", KindFilesParquetScript, KindFilesParquetBaseline, KindFilesParquetApply},
}

// has reports whether the scale measured every kind named.
func (f Figures) has(kinds ...string) bool {
	for _, k := range kinds {
		if _, ok := f.Median[k]; !ok {
			return false
		}
	}
	return true
}

// Targets judges one scale's medians against the goals that apply at that scale,
// for the measurements made.
func (f Figures) Targets() []Target {
	m := f.Median
	apply, base, noRules := m[KindApply], m[KindBaseline], m[KindNoRules]
	var ts []Target
	if f.Scale <= 10 && f.has(KindApply, KindBaseline) {
		r := apply.Seconds / base.Seconds
		ts = append(ts, Target{"apply ≤ 1.3x bare DuckDB", fmt.Sprintf("%.2fx", r), r <= maxBaselineRatio})
	}
	if f.has(KindApply) {
		limit, goal := int64(gib), "apply peak RSS ≤ 1 GiB"
		if f.Scale > 1 {
			limit, goal = gib*3/2, "apply peak RSS ≤ 1.5 GiB"
		}
		ts = append(ts, Target{goal, mib(apply.PeakRSS), apply.PeakRSS <= limit})
	}
	if f.has(KindApply, KindNoRules) {
		r := apply.Seconds / noRules.Seconds
		ts = append(ts, Target{"apply ≤ 1.3x apply without validation", fmt.Sprintf("%.2fx", r), r <= maxNoRulesRatio})
	}
	if f.has(KindGenerate) {
		g := rate(m[KindGenerate].Rows, m[KindGenerate].Seconds)
		ts = append(ts, Target{"generator ≥ 3M rows/s", count(g), g >= minGenerator})
	}
	if f.has(KindValidate) {
		v := rate(m[KindValidate].Rows, m[KindValidate].Seconds)
		ts = append(ts, Target{"validation ≥ 10M rows/s", count(v), v >= minValidation})
	}
	// Issue 14 sets the files source's targets at scale 1 (100k users); above it
	// the figures print without a target.
	for _, p := range filesPairs {
		if f.Scale > 1 || !f.has(p.script, p.apply) {
			continue
		}
		a, b := m[p.apply], m[p.script]
		cpu, wall := a.CPUSeconds/b.CPUSeconds, a.Seconds/b.Seconds
		ts = append(ts,
			Target{"files " + p.name + ": apply CPU ≤ 1.20x the script", fmt.Sprintf("%.2fx", cpu), cpu <= maxFilesCPU},
			Target{"files " + p.name + ": apply wall ≤ 1.10x the script", fmt.Sprintf("%.2fx", wall), wall <= maxFilesWall},
			Target{"files " + p.name + ": apply peak RSS ≤ 1 GiB", mib(a.PeakRSS), a.PeakRSS <= gib})
	}
	return ts
}

// Render prints the figures: per scale a table of the measurements made, apply's
// stage kinds, the ratios and the targets.
func Render(w io.Writer, machine string, runs int, figs []Figures) {
	fmt.Fprintf(w, "ecomrun benchmark on %s; median of %d run(s) per figure\n", machine, runs)
	for _, f := range figs {
		m := f.Median
		rows := f.Input.Rows
		if f.has(KindGenerate) {
			rows = m[KindGenerate].Rows
		}
		fmt.Fprintf(w, "\nscale %g: %s rows in %s\n", f.Scale, count(float64(rows)), "seven tables")
		fmt.Fprintf(w, "  %-40s %9s %9s %13s %10s\n", "measurement", "wall s", "cpu s", "rows/s", "peak RSS")
		line := func(name string, r Result, seconds, cpu float64, rss string) {
			fmt.Fprintf(w, "  %-40s %9.2f %9.2f %13s %10s\n", name, seconds, cpu, count(rate(r.Rows, seconds)), rss)
		}
		for _, k := range []struct{ name, kind string }{
			{"generator (one goroutine)", KindGenerate},
			{"bare DuckDB (load, CSV, Parquet)", KindBaseline},
			{"apply without validation", KindNoRules},
			{"apply", KindApply},
			{"files: script (issue 14), read_csv", KindFilesCSVScript},
			{"files: bare DuckDB, read_csv", KindFilesCSVBaseline},
			{"files: apply, CSV source", KindFilesCSVApply},
			{"files: script (issue 14), read_parquet", KindFilesParquetScript},
			{"files: bare DuckDB, read_parquet", KindFilesParquetBaseline},
			{"files: apply, Parquet source", KindFilesParquetApply},
		} {
			if r, ok := m[k.kind]; ok {
				line(k.name, r, r.Seconds, r.CPUSeconds, mib(r.PeakRSS))
			}
		}
		v, hasV := m[KindValidate]
		if hasV {
			line("validation: rules as one SQL pass", v, v.Seconds, v.CPUSeconds, "")
			line("validation: row by row in Go", v, v.RowwiseSeconds, v.RowwiseCPUSeconds, "")
		}
		for _, k := range []struct{ name, kind string }{
			{"apply", KindApply}, {"files: apply, CSV source,", KindFilesCSVApply}, {"files: apply, Parquet source,", KindFilesParquetApply},
		} {
			r, ok := m[k.kind]
			if !ok {
				continue
			}
			fmt.Fprintf(w, "  %s per stage kind (busy time summed over tables; stages of different tables overlap):\n", k.name)
			for _, s := range r.Stages {
				fmt.Fprintf(w, "    %-38s %9.2f %9s %13s\n", s.Kind, s.Seconds, "", count(rate(s.Rows, s.Seconds)))
			}
		}
		var ratios []string
		if f.has(KindApply, KindBaseline) {
			ratios = append(ratios, fmt.Sprintf("apply / bare DuckDB %.2fx", m[KindApply].Seconds/m[KindBaseline].Seconds))
		}
		if f.has(KindApply, KindNoRules) {
			ratios = append(ratios, fmt.Sprintf("apply / apply without validation %.2fx", m[KindApply].Seconds/m[KindNoRules].Seconds))
		}
		if hasV {
			ratios = append(ratios, fmt.Sprintf("SQL validation / row by row %.1fx faster", v.RowwiseSeconds/v.Seconds))
		}
		if len(ratios) > 0 {
			fmt.Fprintf(w, "  ratios: %s\n", strings.Join(ratios, ", "))
		}
		ratios = nil
		for _, p := range filesPairs {
			for _, y := range []struct{ name, kind string }{{"the script", p.script}, {"bare DuckDB in apply's shape", p.baseline}} {
				if f.has(y.kind, p.apply) {
					a, b := m[p.apply], m[y.kind]
					ratios = append(ratios, fmt.Sprintf("%s apply / %s %.2fx CPU, %.2fx wall", p.name, y.name, a.CPUSeconds/b.CPUSeconds, a.Seconds/b.Seconds))
				}
			}
		}
		if len(ratios) > 0 {
			fmt.Fprintf(w, "  ratios, files source (validation included): %s\n", strings.Join(ratios, "; "))
		}
		fmt.Fprintf(w, "  targets:\n")
		for _, t := range f.Targets() {
			status := "met"
			if !t.Met {
				status = "MISSED"
			}
			fmt.Fprintf(w, "    %-46s %14s  %s\n", t.Goal, t.Value, status)
		}
	}
}

// count writes a number with thousands separators.
func count(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func mib(bytes int64) string { return fmt.Sprintf("%d MiB", bytes>>20) }
