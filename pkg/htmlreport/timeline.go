package htmlreport

import (
	"math"
	"time"

	"github.com/ecomrun/ecomrun/pkg/report"
)

// Timeline is a Gantt chart of the stages that ran: a row per stage in plan
// order, a bar from its start to its end on the run's clock. It shows what ran
// side by side and what the run waited for.
type Timeline struct {
	Width, Height int
	ChartX        int // where the time axis starts, after the stage names
	AxisY         int
	Ticks         []Tick
	Bars          []Bar
}

// Tick is a labelled line on the time axis.
type Tick struct {
	X     int
	Label string
}

// Bar is one stage's run.
type Bar struct {
	Stage, Kind, Status string
	Took                string
	X, Y, W             int
	LabelY              int
	TookX               int
}

const (
	tlChartX = 230
	tlChartW = 860
	tlTop    = 30
	tlRowH   = 20
	tlBarH   = 14
)

func layoutTimeline(r *report.Report) Timeline {
	tl := Timeline{ChartX: tlChartX, Width: tlChartX + tlChartW + 90, AxisY: tlTop - 8}
	start := r.Started
	span := r.Ended.Sub(start)
	for _, s := range r.Stages {
		if !s.Started.IsZero() && s.Started.Before(start) {
			start = s.Started
		}
		if s.Ended.Sub(start) > span {
			span = s.Ended.Sub(start)
		}
	}
	span = max(span, time.Millisecond)
	scale := float64(tlChartW) / span.Seconds()
	x := func(t time.Time) int { return tlChartX + int(math.Round(t.Sub(start).Seconds()*scale)) }

	y := tlTop
	for _, s := range r.Stages {
		if s.Started.IsZero() {
			continue // it never ran: the DAG says why
		}
		b := Bar{Stage: s.ID, Kind: s.Kind, Status: s.Status, Took: seconds(s.Duration), X: x(s.Started), Y: y + (tlRowH-tlBarH)/2, LabelY: y + tlRowH/2 + 4}
		b.W = max(2, x(s.Ended)-b.X) // a stage of a few microseconds still shows
		b.TookX = b.X + b.W + 6
		tl.Bars = append(tl.Bars, b)
		y += tlRowH
	}
	tl.Height = y + 10
	step := tickStep(span)
	for t := time.Duration(0); t <= span; t += step {
		tl.Ticks = append(tl.Ticks, Tick{X: tlChartX + int(math.Round(t.Seconds()*scale)), Label: tickLabel(t, step)})
	}
	return tl
}

// tickStep picks 1, 2 or 5 times a power of ten so the axis has 4 to 10 ticks.
func tickStep(span time.Duration) time.Duration {
	raw := span.Seconds() / 6
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*pow >= raw {
			return max(time.Duration(m*pow*float64(time.Second)), time.Microsecond)
		}
	}
	return time.Duration(10 * pow * float64(time.Second))
}

func tickLabel(t, step time.Duration) string {
	if t == 0 {
		return "0"
	}
	return t.Round(step / 10).String()
}
