package telemetry

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// record adds the run's metrics: per table the rows in, loaded, quarantined and
// dropped (ecomrun.table.rows, by ecomrun.outcome) and the rows breaking each
// rule (ecomrun.rule.violations); per stage its duration (ecomrun.stage.duration)
// and the run's (ecomrun.run.duration), in seconds.
func (e *Exporter) record(plan *spec.Plan, rep *report.Report) error {
	m := e.mp.Meter(scope)
	rows, err1 := m.Int64Counter("ecomrun.table.rows", metric.WithUnit("{row}"), metric.WithDescription("Rows of a table by outcome: in, loaded, quarantined, dropped"))
	viol, err2 := m.Int64Counter("ecomrun.rule.violations", metric.WithUnit("{row}"), metric.WithDescription("Rows that broke a rule"))
	stage, err3 := m.Float64Histogram("ecomrun.stage.duration", metric.WithUnit("s"), metric.WithDescription("How long a stage ran"))
	run, err4 := m.Float64Histogram("ecomrun.run.duration", metric.WithUnit("s"), metric.WithDescription("How long a run took"))
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return err
	}
	ctx := context.Background()
	pipeline := attribute.String(keyPipeline, plan.Spec.Name)
	for _, t := range plan.Tables {
		rt := rep.Snapshot(t.Name)
		table := attribute.String(keyTable, t.Name)
		for outcome, n := range map[string]int64{"in": rt.RowsIn, "loaded": rt.RowsLoaded, "quarantined": rt.RowsQuarantined, "dropped": rt.RowsDropped} {
			rows.Add(ctx, n, metric.WithAttributes(pipeline, table, attribute.String("ecomrun.outcome", outcome)))
		}
		for _, v := range rt.Violations {
			viol.Add(ctx, v.Rows, metric.WithAttributes(pipeline, table, attribute.String("ecomrun.rule", v.Rule), attribute.String("ecomrun.severity", v.Severity)))
		}
	}
	for _, s := range rep.Stages {
		if s.Started.IsZero() {
			continue
		}
		stage.Record(ctx, s.Duration, metric.WithAttributes(pipeline, attribute.String(keyTable, s.Table),
			attribute.String(keyKind, s.Kind), attribute.String(keySink, s.Sink), attribute.String(keyStatus, s.Status)))
	}
	run.Record(ctx, rep.Ended.Sub(rep.Started).Seconds(), metric.WithAttributes(pipeline, attribute.String(keyStatus, rep.Status)))
	return nil
}
