// Package lineage tells a data platform what a run read and wrote: OpenLineage
// run events (https://openlineage.io), one START and one COMPLETE, FAIL or ABORT
// for the pipeline's run and for each table's run, with the datasets' schemas,
// counts and data-quality facets. Events go to an HTTP endpoint (Marquez, DataHub,
// any OpenLineage receiver) or a file, from a goroutine of their own, and never
// fail or hold up a run past a deadline.
package lineage

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/redact"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// Config says where events go. The OpenLineage clients' variables set it, and
// override the spec's lineage block: OPENLINEAGE_URL, OPENLINEAGE_ENDPOINT
// (default api/v1/lineage), OPENLINEAGE_API_KEY, OPENLINEAGE_NAMESPACE and
// OPENLINEAGE_DISABLED.
type Config struct {
	URL      string // base URL of the receiver, e.g. http://localhost:5000
	Endpoint string // path under URL
	APIKey   string // sent as "Authorization: Bearer"; a secret
	// Namespace is the jobs' namespace (default "ecomrun").
	Namespace string
	// File, when set, gets every event as one line of JSON.
	File string
	// Deadline bounds what Finish adds to a run (default 5 s).
	Deadline time.Duration
}

// DefaultEndpoint is where OpenLineage receivers take events, under their URL.
const DefaultEndpoint = "api/v1/lineage"

// DefaultDeadline is the most lineage adds to the end of a run.
const DefaultDeadline = 5 * time.Second

// ConfigFrom reads the configuration from the spec's lineage block and the
// environment; false means lineage is off (nothing set, or OPENLINEAGE_DISABLED).
func ConfigFrom(l *spec.Lineage, getenv func(string) string) (Config, bool, error) {
	c := Config{Namespace: "ecomrun", Endpoint: DefaultEndpoint, Deadline: DefaultDeadline}
	if l != nil {
		c.URL, c.File = l.URL, l.File
		c.Namespace = or(l.Namespace, c.Namespace)
		c.Endpoint = or(l.Endpoint, c.Endpoint)
	}
	c.URL = or(getenv("OPENLINEAGE_URL"), c.URL)
	c.Endpoint = or(getenv("OPENLINEAGE_ENDPOINT"), c.Endpoint)
	c.Namespace = or(getenv("OPENLINEAGE_NAMESPACE"), c.Namespace)
	c.APIKey = getenv("OPENLINEAGE_API_KEY")
	switch strings.ToLower(getenv("OPENLINEAGE_DISABLED")) {
	case "true", "1", "yes":
		return c, false, nil
	}
	if c.URL == "" && c.File == "" {
		return c, false, nil
	}
	if c.URL != "" {
		u, err := url.Parse(c.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, false, fmt.Errorf("lineage: the URL %q is not an http or https URL; no lineage is sent", c.URL)
		}
	}
	return c, true, nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Options are what an Emitter needs besides the plan.
type Options struct {
	Config Config
	// Version is ecomrun's version; RunID is the run's id, as the report names it.
	Version, RunID string
	// Redactor masks secrets in every event before it leaves (the spec's, the
	// environment's); nil masks the environment's only.
	Redactor *redact.Redactor
}

// Emitter sends one run's events. Its methods may be called on a nil Emitter
// (lineage off), and do nothing then.
type Emitter struct {
	b        *builder
	red      *redact.Redactor
	senders  []*sender
	deadline time.Duration

	mu      sync.Mutex
	started map[string]bool // tables whose START is sent
}

// New starts the run's lineage and sends the pipeline run's START.
func New(plan *spec.Plan, o Options) *Emitter {
	c := o.Config
	b := &builder{
		plan: plan, namespace: c.Namespace, producer: producer(o.Version), version: o.Version,
		duckdbVersion: duckdbVersion(), runID: o.RunID, runUUID: newUUID(), tableUUIDs: map[string]string{},
	}
	for _, t := range plan.Tables {
		b.tableUUIDs[t.Name] = newUUID()
	}
	e := &Emitter{b: b, red: o.Redactor, deadline: c.Deadline, started: map[string]bool{}}
	if e.red == nil {
		e.red = redact.New()
	}
	if e.deadline <= 0 {
		e.deadline = DefaultDeadline
	}
	if c.URL != "" {
		u := strings.TrimRight(c.URL, "/") + "/" + strings.TrimLeft(c.Endpoint, "/")
		e.senders = append(e.senders, newSender(&httpTransport{url: u, apiKey: c.APIKey, client: &http.Client{}}))
	}
	if c.File != "" {
		e.senders = append(e.senders, newSender(&fileTransport{path: c.File}))
	}
	e.emit(b.pipelineEvent(Start, time.Now(), ""))
	return e
}

// Stage hears the engine's stage events: a table's run STARTs with its first stage.
func (e *Emitter) Stage(ev engine.StageEvent) {
	if e == nil || ev.Status != "running" {
		return
	}
	e.startTable(ev.Stage.Table, time.Now())
}

func (e *Emitter) startTable(table string, at time.Time) {
	e.mu.Lock()
	first := !e.started[table]
	e.started[table] = true
	e.mu.Unlock()
	if t := e.b.plan.Table(table); first && t != nil {
		e.emit(e.b.tableStart(t, at))
	}
}

// Finish sends each table run's end and then the pipeline run's, from the run's
// report and what the warehouse holds, and waits for delivery until the deadline.
// The error says what was not delivered; it is a warning, never the run's failure.
func (e *Emitter) Finish(ctx context.Context, rep *report.Report) error {
	if e == nil {
		return nil
	}
	deadline := time.Now().Add(e.deadline)
	ctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
	defer cancel()
	stats := warehouseStats(ctx, e.b.plan, rep)
	for _, t := range e.b.plan.Tables {
		// A table stopped before any of its stages ran STARTs here, so its run has both ends.
		e.startTable(t.Name, rep.Ended)
		e.emit(e.b.tableEnd(&t, rep, stats[t.Name], rep.Ended))
	}
	eventType := map[string]string{"ok": Complete, "canceled": Abort}[rep.Status]
	if eventType == "" {
		eventType = Fail
	}
	e.emit(e.b.pipelineEvent(eventType, rep.Ended, strings.Join(rep.Errors, "\n")))
	var errs []error
	for _, s := range e.senders {
		if err := s.close(deadline); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return e.red.Error(fmt.Errorf("lineage: %w", errors.Join(errs...)))
}

// emit masks an event's secrets and queues it to every destination.
func (e *Emitter) emit(ev RunEvent) {
	b, err := json.Marshal(ev)
	if err != nil {
		return // the types marshal; nothing to do but not send it
	}
	body := []byte(e.red.String(string(b)))
	for _, s := range e.senders {
		s.enqueue(body)
	}
}

// newUUID returns a UUID version 7 (time-ordered), as OpenLineage recommends for run ids.
func newUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	ms := uint64(time.Now().UnixMilli())
	for i := range 6 {
		u[i] = byte(ms >> (40 - 8*i))
	}
	u[6] = u[6]&0x0f | 0x70
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// duckdbVersion is the version of the DuckDB linked in, e.g. "v1.5.6".
func duckdbVersion() string {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return ""
	}
	defer db.Close()
	var v string
	if db.QueryRow("SELECT version()").Scan(&v) != nil {
		return ""
	}
	return v
}
