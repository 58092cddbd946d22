package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vbauerster/mpb/v8"
	"golang.org/x/sys/unix"

	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

func incrementalPlan() *spec.Plan {
	p := &spec.Plan{Spec: &spec.Spec{Name: "inc"}}
	t := spec.TablePlan{Name: "orders", Sinks: []string{"a_sink_with_a_rather_long_name"}, Incremental: &spec.Incremental{Cursor: "created_at"}}
	p.Tables = append(p.Tables, t)
	for _, k := range []string{"extract", "validate", "load"} {
		p.Stages = append(p.Stages, spec.Stage{ID: k + ".orders", Kind: k, Table: "orders"})
	}
	p.Stages = append(p.Stages, spec.Stage{ID: "sink.x.orders", Kind: "sink", Table: "orders", Sink: t.Sinks[0]})
	return p
}

// TestBarTextsCountRowsDuringExtractAndShowTheWatermark drives the renderer's
// texts directly: rows and a rate while the extract streams, the bound read from
// once it ended, the watermark once the load ended, the overall line's count, and
// a canceled sink's long label cut to its column.
func TestBarTextsCountRowsDuringExtractAndShowTheWatermark(t *testing.T) {
	plan := incrementalPlan()
	bp := newBarProgress(io.Discard, plan, mpb.WithWidth(120))
	defer bp.done()
	tb := bp.tables["orders"]
	st := func(i int) spec.Stage { return plan.Stages[i] }

	bp.stage(engine.StageEvent{Stage: st(0), Status: "running"})
	bp.rows("orders", 4000)
	time.Sleep(20 * time.Millisecond)
	bp.rows("orders", 5000)
	got := bp.read(tb)
	if got.stage != "extract" || got.rows != "5,000 rows" || !strings.HasSuffix(got.rate, " rows/s") || got.rate == "0 rows/s" || got.note != "" {
		t.Errorf("while extracting: %+v", got)
	}
	bp.stage(engine.StageEvent{Stage: st(0), Status: "ok", Rows: 6000, ReadFrom: "TIMESTAMP '2025-01-01 00:00:00+00'"})
	bp.rows("orders", 9999) // a late batch count after the end changes nothing
	if got := bp.read(tb); got.rows != "6,000 rows" || got.note != " from 2025-01-01 00:00:00" {
		t.Errorf("after extract: %+v", got)
	}
	for _, i := range []int{1, 2} {
		bp.stage(engine.StageEvent{Stage: st(i), Status: "running"})
		ev := engine.StageEvent{Stage: st(i), Status: "ok", Rows: 6000}
		if st(i).Kind == "load" {
			ev.Watermark = "2025-02-01 12:00:00+00"
		}
		bp.stage(ev)
	}
	if got := bp.read(tb); got.note != " from 2025-01-01 00:00:00 to 2025-02-01 12:00:00" {
		t.Errorf("after load: %+v", got)
	}
	if got := bp.readOverall(); got.stage != "3/4 stages" || got.rows != "6,000 rows" {
		t.Errorf("overall: %+v", got)
	}
	bp.stage(engine.StageEvent{Stage: st(3), Status: "running"})
	bp.stage(engine.StageEvent{Stage: st(3), Status: "canceled"})
	got = bp.read(tb)
	if n := utf8.RuneCountInString(got.stage); n > stageWidth || !strings.HasPrefix(got.stage, "failed: sink a_sink") {
		t.Errorf("canceled: stage text %q (%d characters) must fit %d", got.stage, n, stageWidth)
	}
	if got := bp.readOverall(); got.stage != "4/4 stages, 1 not ok" {
		t.Errorf("overall after the cancel: %+v", got)
	}
}

func TestOutputsFoldEmptyQuarantineFiles(t *testing.T) {
	var buf bytes.Buffer
	printOutputs(&buf, []report.Output{
		{Sink: "files", Table: "orders", Path: "out/csv/orders.csv", Rows: 10, Bytes: 100},
		{Sink: "files", Table: "orders", Path: "out/csv/orders.quarantine.csv", Rows: 2, Bytes: 30},
		{Sink: "files", Table: "users", Path: "out/csv/users.csv", Rows: 5, Bytes: 50},
		{Sink: "files", Table: "users", Path: "out/csv/users.quarantine.csv", Bytes: 20},
		{Sink: "lake", Table: "users", Path: "out/pq/users.parquet", Rows: 5, Bytes: 50},
		{Sink: "lake", Table: "users", Path: "out/pq/users.quarantine.parquet", Bytes: 20},
		{Sink: "lake", Table: "orders", Path: "out/pq/orders.quarantine.parquet", Bytes: 20},
	})
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines, want 4 files with rows and one folded line per sink:\n%s", len(lines), buf.String())
	}
	if !strings.Contains(buf.String(), "orders.quarantine.csv") || strings.Contains(buf.String(), "users.quarantine.csv") {
		t.Errorf("a quarantine file with rows must be listed, an empty one folded:\n%s", buf.String())
	}
	if !strings.Contains(lines[4], "files") || !strings.Contains(lines[4], "quarantine files empty: users") ||
		!strings.Contains(lines[5], "lake") || !strings.Contains(lines[5], "quarantine files empty: orders, users") {
		t.Errorf("folded lines:\n%s", buf.String())
	}
}

// openPTY opens a pseudo-terminal of cols x 40 with golang.org/x/sys/unix (no pty
// module is a dependency): the display's writer is its terminal end.
func openPTY(t *testing.T, cols uint16) (ptm, pts *os.File) {
	t.Helper()
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	fd := int(ptm.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	pts, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetWinsize(int(pts.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: cols}); err != nil {
		t.Fatal(err)
	}
	return ptm, pts
}

// TestApplyOnATerminalDrawsBars runs apply in-process with stderr on a
// pseudo-terminal, twice (the second run of the incremental table reads from a
// bound; frames every 5ms, so a short run draws several): the terminal gets live bars (cursor movements, the overall line, rates,
// the bound and the new watermark), not log lines; stdout's outputs fold the empty
// quarantine files into one line.
func TestApplyOnATerminalDrawsBars(t *testing.T) {
	t.Setenv("TERM", "xterm")
	defer func(d time.Duration) { barRefresh = d }(barRefresh)
	barRefresh = 5 * time.Millisecond
	dir := t.TempDir()
	file := filepath.Join(dir, "spec.yaml")
	body := fmt.Sprintf(`version: 1
name: tty
source: {kind: thelook, scale: 0.01, seed: 7}
warehouse: {path: %[1]s/ecom.duckdb}
tables:
  - {name: users}
  - {name: orders, mode: incremental, cursor: created_at, lookback: 1d}
sinks: [{name: files, kind: csv, path: %[1]s/csv}]
`, dir)
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	var screen, screens string
	var stdout bytes.Buffer
	for _, cols := range []uint16{80, 132} {
		ptm, pts := openPTY(t, cols)
		read := make(chan string)
		go func() {
			b, _ := io.ReadAll(ptm) // ends with EIO once the terminal end is closed
			read <- string(b)
		}()
		stdout.Reset()
		code := Execute(context.Background(), []string{"apply", file, "--skip-preflight"}, &stdout, pts)
		pts.Close()
		screen = <-read
		screens += screen
		ptm.Close()
		if code != ExitOK {
			t.Fatalf("apply exited %d:\n%s\n%s", code, screen, stdout.String())
		}
	}
	if !strings.Contains(screens, "\x1b[") {
		t.Errorf("no cursor movement on the terminal:\n%q", screens)
	}
	for _, want := range []string{"overall", "8/8 stages", "users", "orders", "done", "rows/s", " from 20", " to 20"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the terminal lacks %q:\n%q", want, screen)
		}
	}
	// Every line keeps its bar: the note gives way, not the layout.
	for _, line := range strings.Split(screens, "\n") {
		if strings.Contains(line, "done") && !strings.Contains(line, "[====") {
			t.Errorf("a finished line lost its bar: %q", line)
		}
	}
	if strings.Contains(screen, "extract.orders rows=") {
		t.Errorf("the terminal got log lines instead of bars:\n%s", screen)
	}
	if !strings.Contains(stdout.String(), "quarantine files empty: users, orders") && !strings.Contains(stdout.String(), "quarantine files empty: orders, users") {
		t.Errorf("stdout does not fold the empty quarantine files:\n%s", stdout.String())
	}
}
