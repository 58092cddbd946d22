package bigquery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// quick keeps the unit tests' pauses at a millisecond or two.
var quick = retryPolicy{tries: 4, initial: time.Millisecond, max: 2 * time.Millisecond}

// scripted answers requests with the given statuses in turn, then 200; it records
// the bodies it was sent, to show replays carry the body.
type scripted struct {
	mu       sync.Mutex
	statuses []int
	reason   string
	bodies   []string
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.bodies = append(s.bodies, string(b))
	code := http.StatusOK
	if len(s.statuses) > 0 {
		code, s.statuses = s.statuses[0], s.statuses[1:]
	}
	s.mu.Unlock()
	w.WriteHeader(code)
	if code != http.StatusOK {
		fmt.Fprintf(w, `{"error": {"message": "scripted", "errors": [{"reason": %q}]}}`, s.reason)
	}
}

func TestRetryTransport(t *testing.T) {
	for _, tc := range []struct {
		name     string
		statuses []int
		reason   string
		want     int // final status
		requests int
		gaveUp   bool
	}{
		{"ok", nil, "", 200, 1, false},
		{"503 then ok", []int{503, 503}, "backendError", 200, 3, false},
		{"429 then ok", []int{429}, "", 200, 2, false},
		{"500 and 502 then ok", []int{500, 502}, "", 200, 3, false},
		{"rateLimitExceeded as 403", []int{403}, "rateLimitExceeded", 200, 2, false},
		{"403 access denied is final", []int{403}, "accessDenied", 403, 1, false},
		{"400 is final", []int{400}, "invalidQuery", 400, 1, false},
		{"503 for ever", []int{503, 503, 503, 503, 503, 503}, "", 503, 4, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := &scripted{statuses: tc.statuses, reason: tc.reason}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			rt := &retryTransport{base: http.DefaultTransport, policy: quick}
			ctx, cancel := readContext(context.Background())
			defer cancel(nil)
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL, strings.NewReader("the body"))
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want || len(srv.bodies) != tc.requests {
				t.Errorf("status %d after %d requests, want %d after %d", resp.StatusCode, len(srv.bodies), tc.want, tc.requests)
			}
			for i, b := range srv.bodies {
				if b != "the body" {
					t.Errorf("request %d had body %q", i+1, b)
				}
			}
			var gave *gaveUpError
			if got := errors.As(context.Cause(ctx), &gave); got != tc.gaveUp {
				t.Errorf("gave up: %v (cause %v), want %v", got, context.Cause(ctx), tc.gaveUp)
			}
			if tc.gaveUp && !strings.Contains(reason(ctx, errors.New("canceled")).Error(), "503 Service Unavailable: scripted (gave up after 4 tries)") {
				t.Errorf("reason %v", reason(ctx, nil))
			}
		})
	}
}

// An endpoint no connection can be made to trips the transport: the next read
// fails at once with the same cause, without spending its tries.
func TestRetryTransportUnreachable(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close()
	rt := &retryTransport{base: http.DefaultTransport, policy: quick}
	for i := range 2 {
		ctx, cancel := readContext(context.Background())
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		_, err := rt.RoundTrip(req)
		if err == nil || !strings.Contains(err.Error(), "cannot reach "+url) || !strings.Contains(err.Error(), "gave up after 4 tries") {
			t.Errorf("read %d: error %v", i+1, err)
		}
		if ctx.Err() == nil {
			t.Errorf("read %d: its context was not canceled", i+1)
		}
		cancel(nil)
	}
}

// gRPC failures a generated client would retry are counted per read; past the
// bound they come back as FailedPrecondition, which nothing retries.
func TestGRPCBound(t *testing.T) {
	ctx, cancel := readContext(context.Background())
	defer cancel(nil)
	unavailable := status.Error(codes.Unavailable, "down")
	for i := 1; i <= quick.tries; i++ {
		err := quick.bound(ctx, unavailable)
		want := codes.Unavailable
		if i == quick.tries {
			want = codes.FailedPrecondition
		}
		if status.Code(err) != want {
			t.Errorf("failure %d: %v, want %s", i, err, want)
		}
	}
	if err := quick.bound(ctx, status.Error(codes.NotFound, "x")); status.Code(err) != codes.NotFound {
		t.Errorf("a final error changed: %v", err)
	}
}
