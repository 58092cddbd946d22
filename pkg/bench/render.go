package bench

import (
	"fmt"
	"io"
	"strings"
)

// Targets from issues 2, 3 and 9, on a 2-core machine.
const (
	maxBaselineRatio = 1.3     // apply within 1.3x of bare DuckDB, at scales up to 10
	maxNoRulesRatio  = 1.3     // apply within 1.3x of apply without validation
	minGenerator     = 3e6     // generator rows/s
	minValidation    = 10e6    // validation rows/s, built-in rules on typed data
	gib              = 1 << 30 // peak RSS: 1 GiB up to scale 1, 1.5 GiB above
)

// Target is one goal and how a measurement stands against it.
type Target struct {
	Goal  string
	Value string
	Met   bool
}

// Targets judges one scale's medians against the goals that apply at that scale.
func (f Figures) Targets() []Target {
	m := f.Median
	apply, base, noRules := m[KindApply], m[KindBaseline], m[KindNoRules]
	var ts []Target
	if f.Scale <= 10 {
		r := apply.Seconds / base.Seconds
		ts = append(ts, Target{"apply ≤ 1.3x bare DuckDB", fmt.Sprintf("%.2fx", r), r <= maxBaselineRatio})
	}
	limit, goal := int64(gib), "apply peak RSS ≤ 1 GiB"
	if f.Scale > 1 {
		limit, goal = gib*3/2, "apply peak RSS ≤ 1.5 GiB"
	}
	ts = append(ts, Target{goal, mib(apply.PeakRSS), apply.PeakRSS <= limit})
	r := apply.Seconds / noRules.Seconds
	ts = append(ts, Target{"apply ≤ 1.3x apply without validation", fmt.Sprintf("%.2fx", r), r <= maxNoRulesRatio})
	g := rate(m[KindGenerate].Rows, m[KindGenerate].Seconds)
	ts = append(ts, Target{"generator ≥ 3M rows/s", count(g), g >= minGenerator})
	v := rate(m[KindValidate].Rows, m[KindValidate].Seconds)
	ts = append(ts, Target{"validation ≥ 10M rows/s", count(v), v >= minValidation})
	return ts
}

// Render prints the figures: per scale a table of the measurements, apply's stage
// kinds, the ratios and the targets.
func Render(w io.Writer, machine string, runs int, figs []Figures) {
	fmt.Fprintf(w, "ecomrun benchmark on %s; median of %d run(s) per figure\n", machine, runs)
	for _, f := range figs {
		m := f.Median
		fmt.Fprintf(w, "\nscale %g: %s rows in %s\n", f.Scale, count(float64(m[KindGenerate].Rows)), "seven tables")
		fmt.Fprintf(w, "  %-34s %9s %9s %13s %10s\n", "measurement", "wall s", "cpu s", "rows/s", "peak RSS")
		line := func(name string, r Result, seconds, cpu float64, rss string) {
			fmt.Fprintf(w, "  %-34s %9.2f %9.2f %13s %10s\n", name, seconds, cpu, count(rate(r.Rows, seconds)), rss)
		}
		v := m[KindValidate]
		for _, k := range []struct {
			name string
			r    Result
		}{{"generator (one goroutine)", m[KindGenerate]}, {"bare DuckDB (load, CSV, Parquet)", m[KindBaseline]},
			{"apply without validation", m[KindNoRules]}, {"apply", m[KindApply]}} {
			line(k.name, k.r, k.r.Seconds, k.r.CPUSeconds, mib(k.r.PeakRSS))
		}
		line("validation: rules as one SQL pass", v, v.Seconds, v.CPUSeconds, "")
		line("validation: row by row in Go", v, v.RowwiseSeconds, v.RowwiseCPUSeconds, "")
		fmt.Fprintf(w, "  apply per stage kind (busy time summed over tables; stages of different tables overlap):\n")
		for _, s := range m[KindApply].Stages {
			fmt.Fprintf(w, "    %-32s %9.2f %9s %13s\n", s.Kind, s.Seconds, "", count(rate(s.Rows, s.Seconds)))
		}
		fmt.Fprintf(w, "  ratios: apply / bare DuckDB %.2fx, apply / apply without validation %.2fx, SQL validation / row by row %.1fx faster\n",
			m[KindApply].Seconds/m[KindBaseline].Seconds, m[KindApply].Seconds/m[KindNoRules].Seconds, v.RowwiseSeconds/v.Seconds)
		fmt.Fprintf(w, "  targets:\n")
		for _, t := range f.Targets() {
			status := "met"
			if !t.Met {
				status = "MISSED"
			}
			fmt.Fprintf(w, "    %-38s %14s  %s\n", t.Goal, t.Value, status)
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
