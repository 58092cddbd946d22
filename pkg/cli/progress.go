package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/mattn/go-isatty"

	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/redact"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// progress shows a run while it goes. The engine calls stage from its walker's
// goroutines; done is called once after Apply returns, before the summary prints,
// so live bars are finished and out of the way.
type progress interface {
	stage(ev engine.StageEvent)
	done()
}

// newProgress picks how a run is shown: nothing with --quiet, live bars when
// stderr is a terminal and the log format is for people, else one log line per
// stage end (CI and pipes keep a plain, timestamped record with no control characters).
// Log records go through red (when not nil), which masks the spec's secrets; the
// bars show names only.
func newProgress(s streams, plan *spec.Plan, quiet bool, logFormat string, red *redact.Redactor) progress {
	switch {
	case quiet:
		return nopProgress{}
	case logFormat == "text" && s.errTTY:
		return newBarProgress(s.err, plan)
	}
	w := s.err
	if red != nil {
		w = red.Writer(w)
	}
	var h slog.Handler = newLineHandler(w)
	if logFormat == "json" {
		h = slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: jsonAttr})
	}
	return &logProgress{log: slog.New(h), started: map[string]time.Time{}}
}

// isTerminal reports whether w is a terminal a person watches, where live bars
// make sense. TERM=dumb (editors' shells, some CI) gets lines.
func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

type nopProgress struct{}

func (nopProgress) stage(engine.StageEvent) {}
func (nopProgress) done()                   {}

// logProgress writes one record per stage that ended after running. Stages that
// never ran (skipped, canceled) are left to the closing error report, which names
// each failure once with what it held back.
type logProgress struct {
	log     *slog.Logger
	mu      sync.Mutex
	started map[string]time.Time
}

func (p *logProgress) stage(ev engine.StageEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	id := ev.Stage.ID
	if ev.Status == "running" {
		p.started[id] = time.Now()
		return
	}
	began, ran := p.started[id]
	if !ran {
		return
	}
	attrs := []slog.Attr{
		slog.String("stage", id),
		slog.Int64("rows", ev.Rows),
		slog.Duration("took", time.Since(began).Round(time.Millisecond)),
	}
	level := slog.LevelInfo
	if ev.Err != nil {
		level = slog.LevelError
		attrs = append(attrs[:1], slog.String("error", ev.Err.Error()))
	}
	p.log.LogAttrs(context.Background(), level, ev.Status, attrs...)
}

func (p *logProgress) done() {}

// jsonAttr writes times in UTC and durations as seconds ("took_seconds": 0.012),
// which every JSON reader takes, rather than slog's integer nanoseconds.
func jsonAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindTime:
		a.Value = slog.TimeValue(a.Value.Time().UTC())
	case slog.KindDuration:
		return slog.Float64(a.Key+"_seconds", a.Value.Duration().Seconds())
	}
	return a
}

// lineHandler is slog's handler for --log-format text off a terminal: short
// lines a person reads in a CI log, "15:04:05 ok       extract.orders rows=120 took=80ms".
// The stage goes bare after the message; values that need it are quoted, so a
// multi-line error stays on one line.
type lineHandler struct {
	mu    *sync.Mutex
	w     io.Writer
	attrs []slog.Attr
}

func newLineHandler(w io.Writer) *lineHandler { return &lineHandler{mu: &sync.Mutex{}, w: w} }

func (h *lineHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *lineHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &lineHandler{mu: h.mu, w: h.w, attrs: append(append([]slog.Attr{}, h.attrs...), as...)}
}

// WithGroup is not used by ecomrun; groups are flattened.
func (h *lineHandler) WithGroup(string) slog.Handler { return h }

func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-8s", r.Time.UTC().Format("15:04:05"), r.Message)
	write := func(a slog.Attr) bool {
		v := a.Value.Resolve().String()
		if a.Key == "stage" {
			b.WriteString(" " + v)
		} else {
			b.WriteString(" " + a.Key + "=" + quoteIfNeeded(v))
		}
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

// quoteIfNeeded quotes a value with spaces, quotes, '=' or anything unprintable,
// so each record stays one line without control characters.
func quoteIfNeeded(v string) string {
	if v == "" || strings.ContainsFunc(v, func(r rune) bool {
		return r == ' ' || r == '"' || r == '=' || !unicode.IsPrint(r)
	}) {
		return strconv.Quote(v)
	}
	return v
}
