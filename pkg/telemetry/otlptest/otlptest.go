// Package otlptest is an OTLP/HTTP receiver on loopback for tests: it decodes
// the protobuf requests the exporters send (go.opentelemetry.io/proto/otlp) and
// keeps the spans and metrics for the test to look at.
package otlptest

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// Receiver takes POST /v1/traces and /v1/metrics.
type Receiver struct {
	*httptest.Server
	mu      sync.Mutex
	traces  []*coltracepb.ExportTraceServiceRequest
	metrics []*colmetricpb.ExportMetricsServiceRequest
}

// NewReceiver starts a receiver; Close it when done.
func NewReceiver() *Receiver {
	r := &Receiver{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/traces", func(w http.ResponseWriter, req *http.Request) {
		var m coltracepb.ExportTraceServiceRequest
		if !decode(w, req, &m) {
			return
		}
		r.mu.Lock()
		r.traces = append(r.traces, &m)
		r.mu.Unlock()
		reply(w, &coltracepb.ExportTraceServiceResponse{})
	})
	mux.HandleFunc("POST /v1/metrics", func(w http.ResponseWriter, req *http.Request) {
		var m colmetricpb.ExportMetricsServiceRequest
		if !decode(w, req, &m) {
			return
		}
		r.mu.Lock()
		r.metrics = append(r.metrics, &m)
		r.mu.Unlock()
		reply(w, &colmetricpb.ExportMetricsServiceResponse{})
	})
	r.Server = httptest.NewServer(mux)
	return r
}

func decode(w http.ResponseWriter, req *http.Request, m proto.Message) bool {
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return false
		}
		body = gz
	}
	b, err := io.ReadAll(body)
	if err == nil {
		err = proto.Unmarshal(b, m)
	}
	if err != nil || req.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "want an OTLP protobuf request", http.StatusBadRequest)
		return false
	}
	return true
}

func reply(w http.ResponseWriter, m proto.Message) {
	b, _ := proto.Marshal(m)
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(b)
}

// Span is a received span with its resource's attributes.
type Span struct {
	*tracepb.Span
	Resource map[string]string
}

// Attr returns a span attribute's value as text ("" when absent).
func (s Span) Attr(key string) string { return attr(s.Attributes, key) }

// IntAttr returns an integer span attribute (-1 when absent).
func (s Span) IntAttr(key string) int64 {
	for _, a := range s.Attributes {
		if a.Key == key {
			return a.Value.GetIntValue()
		}
	}
	return -1
}

func attr(kvs []*commonpb.KeyValue, key string) string {
	for _, a := range kvs {
		if a.Key == key {
			return a.Value.GetStringValue()
		}
	}
	return ""
}

// Spans returns every span received so far.
func (r *Receiver) Spans() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Span
	for _, req := range r.traces {
		for _, rs := range req.ResourceSpans {
			res := map[string]string{}
			for _, a := range rs.GetResource().GetAttributes() {
				res[a.Key] = a.Value.GetStringValue()
			}
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					out = append(out, Span{Span: s, Resource: res})
				}
			}
		}
	}
	return out
}

// Metrics returns every metric received so far, by name.
func (r *Receiver) Metrics() map[string]*metricpb.Metric {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]*metricpb.Metric{}
	for _, req := range r.metrics {
		for _, rm := range req.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					out[m.Name] = m
				}
			}
		}
	}
	return out
}

// Sum adds the data points of an integer counter whose attributes include all of match.
func Sum(m *metricpb.Metric, match map[string]string) int64 {
	var n int64
	for _, p := range m.GetSum().GetDataPoints() {
		ok := true
		for k, v := range match {
			if attr(p.Attributes, k) != v {
				ok = false
			}
		}
		if ok {
			n += p.GetAsInt()
		}
	}
	return n
}
