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
