package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// barProgress draws one live bar per table on a terminal. A bar advances a step
// per stage of its table, and says what runs now, the rows the table has moved and
// how fast: tables run concurrently, so one line each reads better than a log.
type barProgress struct {
	p      *mpb.Progress
	mu     sync.Mutex
	tables map[string]*tableBar
	order  []*tableBar
}

// tableBar is the state a table's decorators read; barProgress.mu guards it,
// and is never held while calling into mpb.
type tableBar struct {
	bar     *mpb.Bar
	steps   int      // stages of the table: extract, validate, load and one per sink
	ended   int      // of them, ended ok
	running []string // labels of the table's stages running now (sinks run side by side)
	rows    int64
	began   time.Time
	took    time.Duration // set when the table's last stage ended
	failed  string
}

func newBarProgress(w io.Writer, plan *spec.Plan, opts ...mpb.ContainerOption) *barProgress {
	bp := &barProgress{tables: map[string]*tableBar{}}
	bp.p = mpb.New(append([]mpb.ContainerOption{mpb.WithOutput(w), mpb.WithRefreshRate(150 * time.Millisecond)}, opts...)...)
	width := 0
	for _, t := range plan.Tables {
		width = max(width, len(t.Name))
	}
	for _, t := range plan.Tables {
		tb := &tableBar{steps: 3 + len(t.Sinks)}
		tb.bar = bp.p.AddBar(int64(tb.steps), mpb.BarWidth(24),
			mpb.PrependDecorators(
				decor.Name(t.Name, decor.WC{W: width + 1, C: decor.DindentRight}),
				decor.Any(func(decor.Statistics) string { return bp.read(tb).stage }, decor.WC{W: 22, C: decor.DindentRight}),
			),
			mpb.AppendDecorators(
				decor.Any(func(decor.Statistics) string { return bp.read(tb).rows }, decor.WC{W: 14}),
				decor.Any(func(decor.Statistics) string { return bp.read(tb).rate }, decor.WC{W: 16}),
			),
		)
		bp.tables[t.Name] = tb
		bp.order = append(bp.order, tb)
	}
	return bp
}

type barText struct{ stage, rows, rate string }

// read renders a table's decorator texts under the lock, from the render goroutine.
func (bp *barProgress) read(tb *tableBar) barText {
	bp.mu.Lock()
	defer bp.mu.Unlock()
	var t barText
	switch {
	case tb.failed != "":
		t.stage = "failed: " + tb.failed
	case len(tb.running) > 0:
		t.stage = strings.Join(tb.running, ", ")
	case tb.took > 0:
		t.stage = "done"
	case tb.began.IsZero():
		t.stage = "waiting"
	default:
		t.stage = "queued"
	}
	if tb.rows > 0 {
		t.rows = groupDigits(tb.rows) + " rows"
		elapsed := tb.took
		if elapsed == 0 && !tb.began.IsZero() {
			elapsed = time.Since(tb.began)
		}
		if elapsed > 0 {
			t.rate = groupDigits(int64(float64(tb.rows)/elapsed.Seconds())) + " rows/s"
		}
	}
	return t
}

// stage records a stage's event. It decides under the lock and calls the bar
// after releasing it: mpb's Increment and Abort wait for the render goroutine,
// which calls the decorators, which take the lock (holding it across the call
// deadlocked a run).
func (bp *barProgress) stage(ev engine.StageEvent) {
	bar, advance := bp.record(ev)
	switch {
	case bar == nil:
	case advance:
		bar.Increment()
	default:
		bar.Abort(false)
	}
}

// record updates a table's state for ev under the lock. It returns the bar to
// move, if any, and whether to advance it (else abort it).
func (bp *barProgress) record(ev engine.StageEvent) (bar *mpb.Bar, advance bool) {
	bp.mu.Lock()
	defer bp.mu.Unlock()
	tb := bp.tables[ev.Stage.Table]
	if tb == nil {
		return nil, false
	}
	label := ev.Stage.Kind
	if ev.Stage.Sink != "" {
		label = "sink " + ev.Stage.Sink
	}
	if ev.Status == "running" {
		if tb.began.IsZero() {
			tb.began = time.Now()
		}
		tb.running = append(tb.running, label)
		return nil, false
	}
	tb.running = slices.DeleteFunc(tb.running, func(l string) bool { return l == label })
	if ev.Status == "ok" {
		tb.rows = max(tb.rows, ev.Rows)
		if tb.ended++; tb.ended == tb.steps {
			tb.took = time.Since(tb.began)
		}
		return tb.bar, true
	}
	if tb.failed == "" {
		tb.failed = label
		if ev.Status != "failed" {
			tb.failed = label + " " + ev.Status
		}
	}
	return tb.bar, false
}

// done stops bars that cannot complete (the run failed before their stages ran,
// or was canceled) and waits for the last frame, so the summary prints below it.
func (bp *barProgress) done() {
	for _, tb := range bp.order {
		if !tb.bar.Completed() {
			tb.bar.Abort(false)
		}
	}
	bp.p.Wait()
}

// groupDigits writes 1234567 as 1,234,567.
func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + groupDigits(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
