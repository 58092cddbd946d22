package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/lineage"
	"github.com/ecomrun/ecomrun/pkg/redact"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/telemetry"
)

// observers tell the platform a run runs in about it: OpenLineage events
// (lineage) and OpenTelemetry traces and metrics (telemetry), each off unless its
// variables or the spec's lineage block configure it. Neither fails a run: what
// goes wrong is one warning line each, after the summary.
type observers struct {
	runID    string
	lin      *lineage.Emitter
	tel      *telemetry.Exporter
	red      *redact.Redactor
	warnings []error
}

// startObservers sends the run's START (lineage is heard as the run begins).
// The run's id is chosen here, so that the events name the run as the report does.
func startObservers(ctx context.Context, plan *spec.Plan) *observers {
	runID := engine.NewRunID(time.Now())
	// OTLP headers often carry a collector's API key: mask their values too.
	secrets := plan.Spec.Secrets()
	for _, name := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS"} {
		for _, kv := range strings.Split(os.Getenv(name), ",") {
			if _, v, ok := strings.Cut(kv, "="); ok {
				secrets = append(secrets, strings.TrimSpace(v))
			}
		}
	}
	o := &observers{runID: runID, red: redact.New(secrets...)}
	cfg, on, err := lineage.ConfigFrom(plan.Spec.Lineage, os.Getenv)
	if err != nil {
		o.warnings = append(o.warnings, err)
	}
	if on {
		o.lin = lineage.New(plan, lineage.Options{Config: cfg, Version: Version, RunID: runID, Redactor: o.red})
	}
	o.tel, err = telemetry.New(ctx, telemetry.Options{Version: Version, Getenv: os.Getenv, Redactor: o.red})
	if err != nil {
		o.warnings = append(o.warnings, err)
	}
	return o
}

// onStage lets lineage hear the stage events too, after the progress display.
func (o *observers) onStage(progress func(engine.StageEvent)) func(engine.StageEvent) {
	if o.lin == nil {
		return progress
	}
	return func(ev engine.StageEvent) {
		progress(ev)
		o.lin.Stage(ev)
	}
}

// finish sends the rest, lineage and telemetry at once, so a run waits at most
// one deadline for both; it returns the warnings, masked, one line each.
func (o *observers) finish(ctx context.Context, plan *spec.Plan, rep *report.Report) []string {
	var wg sync.WaitGroup
	var linErr, telErr error
	wg.Go(func() { linErr = o.lin.Finish(ctx, rep) })
	wg.Go(func() { telErr = o.tel.Export(ctx, plan, rep) })
	wg.Wait()
	var out []string
	for _, err := range append(o.warnings, linErr, telErr) {
		if err != nil {
			msg := strings.ReplaceAll(o.red.String(err.Error()), "\n", "; ")
			out = append(out, fmt.Sprintf("ecomrun apply: warning: %s", msg))
		}
	}
	return out
}
