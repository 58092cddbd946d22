package s3sink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// DefaultTimeout bounds how long the store may go without answering: the connection
// and TLS handshake, each stretch of a request's body going out (a multipart part
// included), the wait for a response's headers once it is sent, and each read of a
// response's body. It bounds silence, not work: a large upload takes as long as it
// takes while bytes keep moving.
const DefaultTimeout = 10 * time.Second

// noAnswerError is a request the store gave no answer to within the timeout. It is
// not retried: attempts × timeout would outlast the bound. Once one request had no
// answer the endpoint counts as down and later requests fail at once (down is set),
// so cleaning up after the failure does not wait the timeout again.
type noAnswerError struct {
	endpoint string
	timeout  time.Duration
	down     bool
}

func (e *noAnswerError) Error() string {
	if e.down {
		return fmt.Sprintf("at %s: no answer within %v (to an earlier request; this one was not sent)", e.endpoint, e.timeout)
	}
	return fmt.Sprintf("at %s: no answer within %v", e.endpoint, e.timeout)
}

// stallGuard is the SDK's HTTP client wrapped to fail a request when the store goes
// silent for the timeout: a watchdog runs from the start of the request to its
// response's headers, reset by every read of the request's body (the transport
// reads the body as it writes it, so a store that stops reading stalls it), and
// during every read of the response's body.
type stallGuard struct {
	base    aws.HTTPClient
	timeout time.Duration
	down    atomic.Pointer[noAnswerError]
	// all is cancelled when the endpoint goes down, which stops the requests in
	// flight too: they would only wait out the timeout again.
	all       context.Context
	cancelAll context.CancelFunc
}

func newStallGuard(base aws.HTTPClient, timeout time.Duration) *stallGuard {
	g := &stallGuard{base: base, timeout: timeout}
	g.all, g.cancelAll = context.WithCancel(context.Background())
	return g
}

// failure is the error of a request the guard stopped, or nil: the watchdog fired
// (the request had no answer), or the endpoint went down meanwhile.
func (g *stallGuard) failure(parent context.Context, w *watchdog, endpoint string) error {
	if parent.Err() != nil {
		return nil
	}
	if w.fired.Load() {
		e := &noAnswerError{endpoint: endpoint, timeout: g.timeout}
		if g.down.CompareAndSwap(nil, e) {
			g.cancelAll()
		}
		return e
	}
	if g.down.Load() != nil {
		return &noAnswerError{endpoint: endpoint, timeout: g.timeout, down: true}
	}
	return nil
}

// Do runs one request. The transfer manager calls it from goroutines of its own (a
// multipart upload's parts), out of reach of any recover of ours: a panic in it is
// turned into the request's error, which is not retried.
func (g *stallGuard) Do(req *http.Request) (resp *http.Response, err error) {
	defer func() {
		if p := recover(); p != nil {
			resp, err = nil, recovered(p)
		}
	}()
	return g.do(req)
}

func (g *stallGuard) do(req *http.Request) (*http.Response, error) {
	endpoint := req.URL.Scheme + "://" + req.URL.Host
	if d := g.down.Load(); d != nil {
		closeBody(req)
		return nil, &noAnswerError{endpoint: endpoint, timeout: g.timeout, down: true}
	}
	ctx, cancelReq := context.WithCancel(req.Context())
	unlink := context.AfterFunc(g.all, cancelReq)
	cancel := func() { unlink(); cancelReq() }
	w := &watchdog{}
	w.timer = time.AfterFunc(g.timeout, func() { w.fired.Store(true); cancel() })
	r := req.WithContext(ctx)
	if req.Body != nil && req.Body != http.NoBody {
		r.Body = &progressBody{ReadCloser: req.Body, w: w, timeout: g.timeout}
		if req.GetBody != nil {
			r.GetBody = func() (io.ReadCloser, error) {
				b, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				return &progressBody{ReadCloser: b, w: w, timeout: g.timeout}, nil
			}
		}
	}
	resp, err := g.base.Do(r)
	w.answered.Store(true)
	w.timer.Stop()
	if err != nil {
		cancel()
		if e := g.failure(req.Context(), w, endpoint); e != nil {
			return nil, e
		}
		return nil, err
	}
	resp.Body = &watchedBody{ReadCloser: resp.Body, w: w, timeout: g.timeout, cancel: cancel, guard: g, endpoint: endpoint, parent: req.Context()}
	return resp, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// watchdog cancels a request when its timer fires; fired tells that cancellation
// from the caller's own.
type watchdog struct {
	timer    *time.Timer
	fired    atomic.Bool
	answered atomic.Bool // the response's headers are in: the request's body no longer counts
}

// progressBody resets the watchdog each time the transport reads the request's body.
type progressBody struct {
	io.ReadCloser
	w       *watchdog
	timeout time.Duration
}

func (b *progressBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if !b.w.answered.Load() {
		b.w.timer.Reset(b.timeout)
	}
	return n, err
}

// watchedBody bounds each read of a response's body by the timeout.
type watchedBody struct {
	io.ReadCloser
	w        *watchdog
	timeout  time.Duration
	cancel   context.CancelFunc
	guard    *stallGuard
	endpoint string
	parent   context.Context
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.w.timer.Reset(b.timeout)
	n, err := b.ReadCloser.Read(p)
	b.w.timer.Stop()
	if err != nil && err != io.EOF {
		if e := b.guard.failure(b.parent, b.w, b.endpoint); e != nil {
			return n, e
		}
	}
	return n, err
}

func (b *watchedBody) Close() error {
	b.w.timer.Stop()
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// notRetried keeps the SDK's retryer from retrying a request that had no answer,
// or that panicked (a bug: another attempt would only panic again).
func notRetried(err error) aws.Ternary {
	var e *noAnswerError
	var p *panicError
	if errors.As(err, &e) || errors.As(err, &p) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}
