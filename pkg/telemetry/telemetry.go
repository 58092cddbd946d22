// Package telemetry exports a run as OpenTelemetry traces and metrics over
// OTLP/HTTP: one trace per run (the run, a span per table, a span per stage) and
// the run's row counts and stage durations as metrics. It is configured by the
// standard OTEL_* variables, is off unless an OTLP endpoint is set, and is built
// from the run's report after the run, so a run pays nothing for it while it goes.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/ecomrun/ecomrun/pkg/redact"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// DefaultDeadline is the most exporting adds to the end of a run.
const DefaultDeadline = 5 * time.Second

// scope names the instrumentation, as OpenTelemetry asks.
const scope = "github.com/ecomrun/ecomrun"

// Signals says which signals the environment asks for: traces when
// OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set,
// metrics when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_METRICS_ENDPOINT
// is; none when OTEL_SDK_DISABLED is true. OTEL_TRACES_EXPORTER=none and
// OTEL_METRICS_EXPORTER=none turn one off.
func Signals(getenv func(string) string) (traces, metrics bool) {
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") {
		return false, false
	}
	base := getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != ""
	traces = (base || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "") && getenv("OTEL_TRACES_EXPORTER") != "none"
	metrics = (base || getenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT") != "") && getenv("OTEL_METRICS_EXPORTER") != "none"
	return traces, metrics
}

// Exporter sends one run's telemetry. A nil Exporter (telemetry off) does nothing.
type Exporter struct {
	tp       *sdktrace.TracerProvider
	mp       *sdkmetric.MeterProvider
	red      *redact.Redactor
	deadline time.Duration

	mu     sync.Mutex
	handed error // what the SDK reported through otel's error handler
}

// Options tune an Exporter.
type Options struct {
	// Version is ecomrun's version, the resource's service.version.
	Version string
	// Getenv reads the environment (os.Getenv); the exporters read the OTEL_*
	// variables themselves too (endpoint, headers, timeout, compression).
	Getenv func(string) string
	// Redactor masks secrets in every attribute and error text.
	Redactor *redact.Redactor
	// Deadline bounds Export; 0 means DefaultDeadline.
	Deadline time.Duration
}

// New sets up the exporters the environment asks for; nil when it asks for none.
// Nothing is sent before Export.
func New(ctx context.Context, o Options) (*Exporter, error) {
	traces, metrics := Signals(o.Getenv)
	if !traces && !metrics {
		return nil, nil
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "ecomrun"), attribute.String("service.version", o.Version)),
		resource.WithFromEnv(), // OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
		resource.WithTelemetrySDK())
	if err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	e := &Exporter{red: o.Redactor, deadline: o.Deadline}
	if e.red == nil {
		e.red = redact.New()
	}
	if e.deadline <= 0 {
		e.deadline = DefaultDeadline
	}
	// The SDK reports export failures to a global handler that logs them; keep
	// the first for Export to return, so the CLI says it once.
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.handed == nil {
			e.handed = err
		}
	}))
	if traces {
		exp, err := otlptracehttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("telemetry: %w", err)
		}
		e.tp = sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	}
	if metrics {
		exp, err := otlpmetrichttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("telemetry: %w", err)
		}
		// One export, at the end: the reader's own interval never comes round.
		reader := sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(24*time.Hour))
		e.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithResource(res))
	}
	return e, nil
}

// Export records the run from its plan and report and sends it, waiting at
// most until the deadline. The error is a warning: it never fails the run.
func (e *Exporter) Export(ctx context.Context, plan *spec.Plan, rep *report.Report) error {
	if e == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.deadline)
	defer cancel()
	var wg sync.WaitGroup
	var traceErr, metricErr error
	if e.tp != nil {
		e.spans(ctx, plan, rep)
		wg.Go(func() {
			traceErr = flushAndShutdown(ctx, e.tp.ForceFlush, e.tp.Shutdown)
		})
	}
	if e.mp != nil {
		if err := e.record(plan, rep); err != nil {
			metricErr = err
		}
		wg.Go(func() {
			if metricErr == nil {
				metricErr = flushAndShutdown(ctx, e.mp.ForceFlush, e.mp.Shutdown)
			}
		})
	}
	wg.Wait()
	err := errors.Join(prefix("traces", traceErr), prefix("metrics", metricErr))
	if err == nil {
		e.mu.Lock()
		err = e.handed
		e.mu.Unlock()
	}
	if err != nil {
		return e.red.Error(fmt.Errorf("telemetry: %w", err))
	}
	return nil
}

// flushAndShutdown exports what is pending and stops; a failed export is the
// error (the shutdown after it would only repeat it).
func flushAndShutdown(ctx context.Context, flush, shutdown func(context.Context) error) error {
	err := flush(ctx)
	if err2 := shutdown(ctx); err == nil {
		err = err2
	}
	return err
}

func prefix(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s not exported: %w", what, err)
}
