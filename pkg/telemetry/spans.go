package telemetry

import (
	"context"
	"errors"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// Attribute keys of ecomrun's spans and metrics.
const (
	keyPipeline = "ecomrun.pipeline"
	keyRunID    = "ecomrun.run_id"
	keyTable    = "ecomrun.table"
	keyStage    = "ecomrun.stage"
	keyKind     = "ecomrun.stage.kind"
	keySink     = "ecomrun.sink"
	keyRows     = "ecomrun.rows"
	keyBytes    = "ecomrun.bytes"
	keyStatus   = "ecomrun.status"
	keyCause    = "ecomrun.cause"
)

// spans writes the run's trace from its report, with the times the stages had:
// the run's span, under it a span per table (from its first stage's start to its
// last one's end), and under each a span per stage. A stage that never ran
// (skipped, canceled) is a span of no length at the run's end.
func (e *Exporter) spans(ctx context.Context, plan *spec.Plan, rep *report.Report) {
	tr := e.tp.Tracer(scope)
	pipeline := attribute.String(keyPipeline, plan.Spec.Name)
	ctx, run := tr.Start(ctx, "apply "+plan.Spec.Name, trace.WithTimestamp(rep.Started), trace.WithAttributes(
		pipeline, attribute.String(keyRunID, rep.RunID), attribute.String("ecomrun.spec", e.red.String(rep.Spec)),
		attribute.String(keyStatus, rep.Status)))
	for _, t := range plan.Tables {
		rt := rep.Snapshot(t.Name)
		var stages []*report.Stage
		start, end := time.Time{}, time.Time{}
		for _, s := range rep.Stages {
			if s.Table != t.Name {
				continue
			}
			stages = append(stages, s)
			if !s.Started.IsZero() && (start.IsZero() || s.Started.Before(start)) {
				start = s.Started
			}
			if s.Ended.After(end) {
				end = s.Ended
			}
		}
		if start.IsZero() {
			start, end = rep.Ended, rep.Ended
		}
		tctx, ts := tr.Start(ctx, t.Name, trace.WithTimestamp(start), trace.WithAttributes(
			pipeline, attribute.String(keyTable, t.Name), attribute.String(keyStatus, rt.Status),
			attribute.Int64("ecomrun.rows_in", rt.RowsIn), attribute.Int64("ecomrun.rows_loaded", rt.RowsLoaded),
			attribute.Int64("ecomrun.rows_quarantined", rt.RowsQuarantined), attribute.Int64("ecomrun.rows_dropped", rt.RowsDropped)))
		for _, s := range stages {
			e.stageSpan(tctx, tr, pipeline, rep, s)
		}
		e.end(ts, rt.Status, "", end)
	}
	e.end(run, rep.Status, strings.Join(rep.Errors, "\n"), rep.Ended)
}

func (e *Exporter) stageSpan(ctx context.Context, tr trace.Tracer, pipeline attribute.KeyValue, rep *report.Report, s *report.Stage) {
	start, end := s.Started, s.Ended
	if start.IsZero() {
		start, end = rep.Ended, rep.Ended
	}
	attrs := []attribute.KeyValue{pipeline, attribute.String(keyStage, s.ID), attribute.String(keyTable, s.Table),
		attribute.String(keyKind, s.Kind), attribute.String(keyStatus, s.Status)}
	if s.Sink != "" {
		attrs = append(attrs, attribute.String(keySink, s.Sink))
	}
	if s.Cause != "" {
		attrs = append(attrs, attribute.String(keyCause, s.Cause))
	}
	if s.Status == "ok" {
		rows, bytes := stageCounts(rep, s)
		attrs = append(attrs, attribute.Int64(keyRows, rows))
		if s.Kind == spec.StageSink {
			attrs = append(attrs, attribute.Int64(keyBytes, bytes))
		}
	}
	_, span := tr.Start(ctx, s.ID, trace.WithTimestamp(start), trace.WithAttributes(attrs...))
	e.end(span, s.Status, s.Error, end)
}

// end closes a span with its status: failed and canceled are errors (a failure's
// error recorded as an exception event), skipped is left unset.
func (e *Exporter) end(span trace.Span, status, errText string, at time.Time) {
	switch status {
	case "ok":
		span.SetStatus(codes.Ok, "")
	case "failed", "canceled":
		msg := e.red.String(errText)
		if msg == "" {
			msg = status
		}
		if errText != "" {
			span.RecordError(errors.New(msg), trace.WithTimestamp(at))
		}
		span.SetStatus(codes.Error, msg)
	}
	span.End(trace.WithTimestamp(at))
}

// stageCounts are the rows an ended stage handled, as the report has them
// (extract and validate: rows in; load: rows loaded; a sink: the rows and bytes it wrote).
func stageCounts(rep *report.Report, s *report.Stage) (rows, bytes int64) {
	switch s.Kind {
	case spec.StageExtract, spec.StageValidate:
		return rep.Snapshot(s.Table).RowsIn, 0
	case spec.StageLoad:
		return rep.Snapshot(s.Table).RowsLoaded, 0
	}
	for _, o := range rep.Outputs {
		if o.Sink == s.Sink && o.Table == s.Table {
			rows += o.Rows
			bytes += o.Bytes
		}
	}
	return rows, bytes
}
