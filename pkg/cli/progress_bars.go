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

// Column widths of a bar's texts. Texts are cut to them, so a long stage label (a
// failed sink's name) never pushes a line out of step with the others.
const (
	stageWidth = 22
	rowsWidth  = 14
	rateWidth  = 14
	barWidth   = 20
)

// barRefresh is how often the bars are drawn again; a variable so a test on a
// pseudo-terminal can see several frames of a short run.
var barRefresh = 150 * time.Millisecond

// barProgress draws one live bar per table on a terminal and an overall line under
// them. A table's bar advances a step per stage and says what runs now, the rows
// the table has moved and how fast it read them (counted batch by batch while the
// extract runs, for sources that stream), and, for an incremental table, where it
// read from and its new watermark: tables run concurrently, so one line each reads
// better than a log. A bar whose stage failed or was canceled stops where it is,
// on its line.
type barProgress struct {
	p       *mpb.Progress
	mu      sync.Mutex
	tables  map[string]*tableBar
	order   []*tableBar
	overall *mpb.Bar
	stages  int // in the plan
	ended   int // stages that ended, however
	failed  int
	began   time.Time
}

// tableBar is the state a table's decorators read; barProgress.mu guards it,
// and is never held while calling into mpb.
type tableBar struct {
	bar         *mpb.Bar
	incremental bool
	steps       int      // stages of the table: extract, validate, load and one per sink
	ended       int      // of them, ended ok
	running     []string // labels of the table's stages running now (sinks run side by side)
	rows        int64
	began       time.Time
	extractFrom time.Time     // when the extract started
	readTook    time.Duration // how long the extract took, once it ended ok
	took        time.Duration // set when the table's last stage ended
	failed      string
	readFrom    string // incremental: the bound the extract read from
	watermark   string // incremental: the watermark after the load
}

func newBarProgress(w io.Writer, plan *spec.Plan, opts ...mpb.ContainerOption) *barProgress {
	bp := &barProgress{tables: map[string]*tableBar{}, stages: len(plan.Stages), began: time.Now()}
	bp.p = mpb.New(append([]mpb.ContainerOption{mpb.WithOutput(w), mpb.WithRefreshRate(barRefresh)}, opts...)...)
	width := len("overall")
	for _, t := range plan.Tables {
		width = max(width, len(t.Name))
	}
	line := func(name string, total int, text func() barText) *mpb.Bar {
		return bp.p.AddBar(int64(total), mpb.BarWidth(barWidth),
			mpb.PrependDecorators(
				decor.Name(name, decor.WC{W: width + 1, C: decor.DindentRight}),
				decor.Any(func(decor.Statistics) string { return text().stage }, decor.WC{W: stageWidth + 1, C: decor.DindentRight}),
			),
			mpb.AppendDecorators(
				decor.Any(func(decor.Statistics) string { return text().rows }, decor.WC{W: rowsWidth}),
				decor.Any(func(decor.Statistics) string { return text().rate }, decor.WC{W: rateWidth}),
				// The note takes what the line has left after the bar, never the bar's room.
				decor.Any(func(st decor.Statistics) string { return cut(text().note, st.AvailableWidth-barWidth-2) }),
			),
		)
	}
	for _, t := range plan.Tables {
		tb := &tableBar{steps: 3 + len(t.Sinks), incremental: t.Incremental != nil}
		tb.bar = line(t.Name, tb.steps, func() barText { return bp.read(tb) })
		bp.tables[t.Name] = tb
		bp.order = append(bp.order, tb)
	}
	bp.overall = line("overall", max(bp.stages, 1), bp.readOverall)
	return bp
}

type barText struct{ stage, rows, rate, note string }

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
	t.stage = cut(t.stage, stageWidth)
	if tb.rows > 0 {
		t.rows = cut(groupDigits(tb.rows)+" rows", rowsWidth-1)
		read := tb.readTook
		if read == 0 && !tb.extractFrom.IsZero() {
			read = time.Since(tb.extractFrom)
		}
		if read > 0 {
			t.rate = shortCount(float64(tb.rows)/read.Seconds()) + " rows/s"
		}
	}
	if tb.incremental && (tb.readTook > 0 || tb.watermark != "") {
		from := "the start"
		if tb.readFrom != "" {
			from = utcText(literalText(tb.readFrom))
		}
		t.note = " from " + from
		if tb.watermark != "" {
			t.note += " to " + utcText(tb.watermark)
		}
	}
	return t
}

// readOverall renders the overall line: stages ended of all, running and failed,
// the rows of every table, and the time so far.
func (bp *barProgress) readOverall() barText {
	bp.mu.Lock()
	defer bp.mu.Unlock()
	var rows int64
	running := 0
	for _, tb := range bp.order {
		rows += tb.rows
		running += len(tb.running)
	}
	t := barText{stage: fmt.Sprintf("%d/%d stages", bp.ended, bp.stages)}
	if running > 0 {
		t.stage += fmt.Sprintf(", %d running", running)
	}
	if bp.failed > 0 {
		t.stage += fmt.Sprintf(", %d not ok", bp.failed)
	}
	t.stage = cut(t.stage, stageWidth)
	if rows > 0 {
		t.rows = cut(groupDigits(rows)+" rows", rowsWidth-1)
	}
	t.rate = time.Since(bp.began).Round(100 * time.Millisecond).String()
	return t
}

// stage records a stage's event. It decides under the lock and calls the bars
// after releasing it: mpb's Increment and Abort wait for the render goroutine,
// which calls the decorators, which take the lock (holding it across the call
// deadlocked a run).
func (bp *barProgress) stage(ev engine.StageEvent) {
	bar, advance, ended := bp.record(ev)
	switch {
	case bar == nil:
	case advance:
		bar.Increment()
	default:
		bar.Abort(false)
	}
	if ended {
		bp.overall.Increment()
	}
}

// rows hears the rows a table's extract has streamed in so far (engine.Options.OnRows).
func (bp *barProgress) rows(table string, n int64) {
	bp.mu.Lock()
	defer bp.mu.Unlock()
	if tb := bp.tables[table]; tb != nil && tb.readTook == 0 {
		tb.rows = max(tb.rows, n)
	}
}

// rowsOf returns the live row counter of a display that shows one, else nil.
func rowsOf(p progress) func(table string, rows int64) {
	if r, ok := p.(interface{ rows(string, int64) }); ok {
		return r.rows
	}
	return nil
}

// record updates a table's state for ev under the lock. It returns the bar to
// move, if any, whether to advance it (else abort it), and whether a stage ended.
func (bp *barProgress) record(ev engine.StageEvent) (bar *mpb.Bar, advance, ended bool) {
	bp.mu.Lock()
	defer bp.mu.Unlock()
	tb := bp.tables[ev.Stage.Table]
	if tb == nil {
		return nil, false, false
	}
	label := ev.Stage.Kind
	if ev.Stage.Sink != "" {
		label = "sink " + ev.Stage.Sink
	}
	if ev.Status == "running" {
		if tb.began.IsZero() {
			tb.began = time.Now()
		}
		if ev.Stage.Kind == spec.StageExtract {
			tb.extractFrom = time.Now()
		}
		tb.running = append(tb.running, label)
		return nil, false, false
	}
	bp.ended++
	tb.running = slices.DeleteFunc(tb.running, func(l string) bool { return l == label })
	if ev.Status == "ok" {
		tb.rows = max(tb.rows, ev.Rows)
		switch ev.Stage.Kind {
		case spec.StageExtract:
			tb.readTook = max(time.Since(tb.extractFrom), time.Microsecond)
			tb.readFrom = ev.ReadFrom
		case spec.StageLoad:
			tb.watermark = ev.Watermark
		}
		if tb.ended++; tb.ended == tb.steps {
			tb.took = time.Since(tb.began)
		}
		return tb.bar, true, true
	}
	bp.failed++
	if tb.failed == "" {
		tb.failed = label
		if ev.Status != "failed" {
			tb.failed = label + " " + ev.Status
		}
	}
	return tb.bar, false, true
}

// done stops bars that cannot complete (the run failed before their stages ran,
// or was canceled) where they are, and waits for the last frame, so the summary
// prints below it.
func (bp *barProgress) done() {
	for _, tb := range bp.order {
		if !tb.bar.Completed() {
			tb.bar.Abort(false)
		}
	}
	if !bp.overall.Completed() {
		bp.overall.Abort(false)
	}
	bp.p.Wait()
}

// literalText shows a bound as a person writes it: TIMESTAMP '2025-01-02 ...' as
// 2025-01-02 ...; an integer bound as it is.
func literalText(lit string) string {
	s := strings.TrimPrefix(lit, "TIMESTAMP ")
	return strings.Trim(s, "'")
}

// utcText drops what every timestamp of the warehouse shares: the UTC offset.
func utcText(ts string) string { return strings.TrimSuffix(ts, "+00") }

// cut shortens s to n characters, marking the cut with "…".
func cut(s string, n int) string {
	r := []rune(s)
	switch {
	case len(r) <= n:
		return s
	case n <= 0:
		return ""
	}
	return string(r[:n-1]) + "…"
}

// shortCount writes a count in at most six characters: 950, 12.3k, 4.5M, 1.2G.
func shortCount(n float64) string {
	switch {
	case n < 10_000:
		return groupDigits(int64(n))
	case n < 1e6:
		return fmt.Sprintf("%.1fk", n/1e3)
	case n < 1e9:
		return fmt.Sprintf("%.1fM", n/1e6)
	}
	return fmt.Sprintf("%.1fG", n/1e9)
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
