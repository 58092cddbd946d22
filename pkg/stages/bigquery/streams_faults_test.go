package bigquery

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/ecomrun/ecomrun/pkg/thelook"
)

// withPolicy sets the retry policy (tries, pauses, timeout) before Open builds the
// clients on it.
func withPolicy(p retryPolicy) Option { return func(s *Source) { s.policy = p } }

// A stream that breaks with a retryable error on every call is reopened until the
// table's read has had policy.tries retryable failures, all its streams and calls
// counted together, then fails the table saying so.
func TestRetryableBreaksAreBoundedPerRead(t *testing.T) {
	m := thelook.Lookup("events")
	srv, addr := newArrowServer(t, m.Table, thelook.Options{Scale: 0.005, Seed: 7, BatchSize: 500})
	wh := openWarehouse(t)
	fast := retryPolicy{tries: 5, initial: time.Millisecond, max: 2 * time.Millisecond, timeout: DefaultTimeout}
	s := streamSource(t, addr, 4, withPolicy(fast))
	srv.breakStream(failure{stream: 1, after: 1, code: codes.Unavailable})
	_, err := loadStreams(context.Background(), s, wh, m, "events")
	if err == nil {
		t.Fatal("the load succeeded over a stream that always breaks")
	}
	if n := srv.failed.Load(); n != int32(fast.tries) {
		t.Errorf("the stream broke %d times, want %d (the read's tries)", n, fast.tries)
	}
	for _, want := range []string{"stream 2 of 4", "gave up after 5 tries"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// A Storage Read API server that stops answering, at the read session or in the
// middle of a stream, fails the read within the timeout (deadlineUnary for
// CreateReadSession, deadlineStream and watchedStream for each ReadRows message),
// naming the call, the server and the timeout, and without retries.
func TestSilentStorageServerFailsTheRead(t *testing.T) {
	m := thelook.Lookup("events")
	const timeout = 300 * time.Millisecond
	for _, tc := range []struct {
		name  string
		stall func(*arrowServer)
		want  []string
	}{
		{"session", func(s *arrowServer) { s.stallSessions.Store(true) },
			[]string{"code = FailedPrecondition", "BigQueryRead/CreateReadSession at ", "no answer within 300ms"}},
		{"first-message", func(s *arrowServer) { s.breakStream(failure{stream: 1, after: 0, stall: true}) },
			[]string{"stream 2 of 4", "failed after 0 rows", "BigQueryRead/ReadRows at ", "no answer within 300ms"}},
		{"mid-stream", func(s *arrowServer) { s.breakStream(failure{stream: 2, after: 2, stall: true}) },
			[]string{"stream 3 of 4", "failed after 1000 rows", "BigQueryRead/ReadRows at ", "no answer within 300ms"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, addr := newArrowServer(t, m.Table, thelook.Options{Scale: 0.01, Seed: 7, BatchSize: 500})
			wh := openWarehouse(t)
			policy := retryPolicy{tries: 5, initial: time.Millisecond, max: 2 * time.Millisecond, timeout: timeout}
			s := streamSource(t, addr, 4, withPolicy(policy))
			tc.stall(srv)
			began := time.Now()
			_, err := loadStreams(context.Background(), s, wh, m, "events")
			took := time.Since(began)
			if err == nil {
				t.Fatal("the read succeeded against a silent server")
			}
			t.Logf("after %v: %v", took.Round(time.Millisecond), err)
			if took > 5*timeout {
				t.Errorf("the read took %v to fail, want about the timeout (%v)", took, timeout)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "gave up after") {
				t.Errorf("error %q: a silent call was retried", err)
			}
			if ok, _ := wh.Exists(context.Background(), "", "main", "events"); ok {
				t.Error("a table was created from a read that failed")
			}
		})
	}
}
