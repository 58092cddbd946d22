package bigquery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Why retries live here and not only in the client library: cloud.google.com/go/bigquery
// retries 5xx, rateLimitExceeded and refused connections itself, but without a bound
// (until the context ends), so an unreachable endpoint or a server stuck in 503s hangs
// a run. This file bounds them. The HTTP transport below retries what the library would,
// with exponential backoff and jitter, a fixed number of times; when it gives up it
// cancels the table's read context with the reason as cause, which stops the library's
// own retry loop, and the table fails with that reason.

// retryPolicy bounds the retries of one request.
type retryPolicy struct {
	tries   int           // attempts, the first included
	initial time.Duration // pause before the second attempt
	max     time.Duration // longest pause
	timeout time.Duration // longest silence of the server (0: DefaultTimeout); not retried
}

// limit is the policy's timeout.
func (p retryPolicy) limit() time.Duration {
	if p.timeout <= 0 {
		return DefaultTimeout
	}
	return p.timeout
}

// defaultRetry gives up after about 2-4 s of pauses: long enough to ride out a blip
// or a short rate limit, short enough that a dead endpoint fails a run quickly.
var defaultRetry = retryPolicy{tries: 5, initial: 250 * time.Millisecond, max: 4 * time.Second, timeout: DefaultTimeout}

// pause is the wait before attempt n+1 (n >= 1): exponential, with "equal jitter"
// (half fixed, half random) so concurrent tables that failed together do not retry
// together.
func (p retryPolicy) pause(n int) time.Duration {
	d := p.initial << (n - 1)
	if d > p.max || d <= 0 {
		d = p.max
	}
	return d/2 + rand.N(d/2+1)
}

// retryReasons are BigQuery's error reasons worth another try, whatever the status
// (rateLimitExceeded comes as 403); the library retries the same ones.
var retryReasons = []string{"rateLimitExceeded", "backendError", "internalError", "jobRateLimitExceeded"}

// gaveUpError is a request that failed every try.
type gaveUpError struct {
	tries int
	what  string // the last failure
}

func (e *gaveUpError) Error() string {
	if e.tries <= 1 {
		return e.what
	}
	return fmt.Sprintf("%s (gave up after %d tries)", e.what, e.tries)
}

type giveUpKey struct{}

// readContext returns the context of one table's read: the transport cancels it,
// with a *gaveUpError as cause, when a request of the read runs out of tries.
func readContext(ctx context.Context) (context.Context, context.CancelCauseFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	st := &readState{cancel: cancel}
	return context.WithValue(ctx, giveUpKey{}, st), cancel
}

// readState is what the retry layers share about one table's read.
type readState struct {
	cancel context.CancelCauseFunc
	// grpcFailures counts the retryable gRPC failures of the read, across calls.
	grpcFailures atomic.Int32
}

func stateOf(ctx context.Context) *readState {
	st, _ := ctx.Value(giveUpKey{}).(*readState)
	return st
}

// reason returns the error to report for a read: the transport's cause when it
// gave up (the library then only saw a canceled context), else err.
func reason(ctx context.Context, err error) error {
	var gave *gaveUpError
	if c := context.Cause(ctx); errors.As(c, &gave) {
		return gave
	}
	return err
}

// retryTransport is an http.RoundTripper that retries 429, 5xx, retryable BigQuery
// reasons and network errors, boundedly. Requests are replayed from GetBody; the
// BigQuery API sets request ids, so a replayed jobs.query or jobs.insert is not run twice.
type retryTransport struct {
	base   http.RoundTripper
	policy retryPolicy
	// down holds the error of an endpoint no connection could be made to: later
	// requests fail at once instead of each spending its tries on it.
	down atomic.Pointer[gaveUpError]
	// all is cancelled when the endpoint had no answer: the requests in flight stop
	// too, rather than each waiting out the timeout.
	allOnce   sync.Once
	all       context.Context
	cancelAll context.CancelFunc
}

func (t *retryTransport) allRequests() context.Context {
	t.allOnce.Do(func() { t.all, t.cancelAll = context.WithCancel(context.Background()) })
	return t.all
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if d := t.down.Load(); d != nil {
		t.giveUp(ctx, d)
		return nil, d
	}
	req, err := withPollHold(req)
	if err != nil {
		return nil, err
	}
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	timeout := t.policy.limit()
	// silent fails the read when the watchdog fired, or the endpoint went down
	// while the request was in flight.
	silent := func(w *watchdog) *gaveUpError {
		if ctx.Err() != nil {
			return nil
		}
		gave := t.down.Load()
		if w.fired.Load() {
			gave = noAnswer(req, timeout)
			if t.down.CompareAndSwap(nil, gave) {
				t.allRequests()
				t.cancelAll()
			}
		}
		if gave != nil {
			t.giveUp(ctx, gave)
		}
		return gave
	}
	r := req
	for n := 1; ; n++ {
		sent, w, stop := watch(r, timeout, t.allRequests())
		resp, err := t.base.RoundTrip(sent)
		w.headers()
		if err != nil {
			stop()
			if gave := silent(w); gave != nil {
				return nil, gave
			}
		} else {
			resp.Body = &watchedBody{ReadCloser: resp.Body, w: w, cancel: stop,
				silent: func() error {
					if gave := silent(w); gave != nil {
						return gave
					}
					return nil
				}}
		}
		what, retry := retryable(ctx, resp, err)
		if !retry {
			return resp, err
		}
		if n >= t.policy.tries || !replayable {
			gave := &gaveUpError{tries: n, what: fmt.Sprintf("%s %s: %s", req.Method, req.URL.Redacted(), what)}
			if isDialError(err) {
				gave.what = fmt.Sprintf("cannot reach %s://%s: %v", req.URL.Scheme, req.URL.Host, err)
				t.down.CompareAndSwap(nil, gave)
			}
			t.giveUp(ctx, gave)
			if err != nil {
				return nil, gave
			}
			return resp, nil
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
		}
		timer := time.NewTimer(t.policy.pause(n))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		case <-timer.C:
		}
		r = req.Clone(ctx)
		if req.GetBody != nil {
			if r.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
	}
}

func (t *retryTransport) giveUp(ctx context.Context, err error) {
	if st := stateOf(ctx); st != nil {
		st.cancel(err)
	}
}

// retryable says whether a response or error deserves another try, and describes it.
func retryable(ctx context.Context, resp *http.Response, err error) (string, bool) {
	if err != nil {
		return err.Error(), ctx.Err() == nil
	}
	if resp.StatusCode < 400 {
		return "", false
	}
	// Read the error body to find BigQuery's reason, and put it back for the library.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var e struct {
		Error struct {
			Message string `json:"message"`
			Errors  []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	what := resp.Status
	if e.Error.Message != "" {
		what += ": " + e.Error.Message
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return what, true
	}
	for _, x := range e.Error.Errors {
		if slices.Contains(retryReasons, x.Reason) {
			return what + " (" + x.Reason + ")", true
		}
	}
	return what, false
}

// isDialError reports a connection that could not be made at all (refused, no
// route, unknown host), as opposed to one that broke.
func isDialError(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &dns) || (errors.As(err, &op) && op.Op == "dial")
}

// The Storage Read API is gRPC: its generated client retries Unavailable and friends
// with its own backoff, and the library retries a broken ReadRows stream forever. The
// interceptors below count those failures per table read and, past the bound, turn
// the error into one nothing retries: the read then fails (read: storage) or falls
// back to REST (read: auto).

func grpcRetryable(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable, codes.ResourceExhausted, codes.Internal, codes.Aborted, codes.DeadlineExceeded:
		return true
	}
	return false
}

// bound passes err on until the read has had policy.tries retryable failures.
func (p retryPolicy) bound(ctx context.Context, err error) error {
	st := stateOf(ctx)
	if err == nil || st == nil || !grpcRetryable(err) || ctx.Err() != nil {
		return err
	}
	if n := int(st.grpcFailures.Add(1)); n >= p.tries {
		return status.Errorf(codes.FailedPrecondition, "%s (gave up after %d tries)", status.Convert(err).Message(), n)
	}
	return err
}

func (p retryPolicy) unaryInterceptor(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	return p.bound(ctx, invoker(ctx, method, req, reply, cc, opts...))
}

func (p retryPolicy) streamInterceptor(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	s, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil {
		return nil, p.bound(ctx, err)
	}
	return &boundedStream{ClientStream: s, ctx: ctx, p: p}, nil
}

type boundedStream struct {
	grpc.ClientStream
	ctx context.Context
	p   retryPolicy
}

func (s *boundedStream) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	if err == io.EOF {
		return err
	}
	return s.p.bound(s.ctx, err)
}
