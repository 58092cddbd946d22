package bigquery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// DefaultTimeout bounds how long BigQuery may go without answering: the connection
// and TLS handshake, sending a request, the wait for a response's headers, each read
// of a response's body, and each Storage Read API call or message. A request with no
// answer within it is not retried (tries × timeout would outlast the bound), and
// the endpoint then counts as down for the rest of the run.
const DefaultTimeout = 10 * time.Second

// pollHold is how long jobs.query and jobs.getQueryResults may hold a request
// waiting for the query to finish (their timeoutMs; BigQuery's default is 10 s, the
// whole timeout). The library then polls again; the rest of the timeout is for the
// answer to arrive.
const pollHold = DefaultTimeout / 2

// noAnswer is the failure of a request BigQuery gave no answer to.
func noAnswer(req *http.Request, timeout time.Duration) *gaveUpError {
	return &gaveUpError{tries: 1, what: fmt.Sprintf("%s at %s://%s: no answer within %v", apiMethod(req), req.URL.Scheme, req.URL.Host, timeout)}
}

// apiMethod names the REST method a request calls, for messages.
func apiMethod(req *http.Request) string {
	path := req.URL.Path
	i := strings.Index(path, "/projects/")
	if i < 0 {
		return req.Method + " " + path
	}
	parts := strings.Split(strings.Trim(path[i:], "/"), "/") // projects P <collection> ...
	switch {
	case len(parts) == 3 && parts[2] == "queries" && req.Method == http.MethodPost:
		return "jobs.query"
	case len(parts) == 4 && parts[2] == "queries":
		return "jobs.getQueryResults"
	case len(parts) == 3 && parts[2] == "jobs" && req.Method == http.MethodPost:
		return "jobs.insert"
	case len(parts) == 4 && parts[2] == "jobs":
		return "jobs.get"
	case len(parts) == 7 && parts[6] == "data":
		return "tabledata.list"
	case len(parts) == 6 && parts[4] == "tables":
		return "tables.get"
	}
	return req.Method + " " + path
}

// withPollHold sets timeoutMs on jobs.query (in its JSON body) and
// jobs.getQueryResults (in its URL) when the library left it to BigQuery's default,
// so a long-poll ends within the timeout. Other requests are returned as they are.
func withPollHold(req *http.Request) (*http.Request, error) {
	ms := strconv.FormatInt(pollHold.Milliseconds(), 10)
	switch apiMethod(req) {
	case "jobs.getQueryResults":
		if req.URL.Query().Has("timeoutMs") {
			return req, nil
		}
		r := req.Clone(req.Context())
		q := r.URL.Query()
		q.Set("timeoutMs", ms)
		r.URL.RawQuery = q.Encode()
		return r, nil
	case "jobs.query":
		if req.GetBody == nil {
			return req, nil
		}
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(body)
		body.Close()
		if err != nil {
			return nil, err
		}
		var fields map[string]json.RawMessage
		if json.Unmarshal(b, &fields) != nil || fields["timeoutMs"] != nil {
			return req, nil
		}
		fields["timeoutMs"] = json.RawMessage(ms)
		if b, err = json.Marshal(fields); err != nil {
			return nil, err
		}
		if req.Body != nil {
			req.Body.Close()
		}
		r := req.Clone(req.Context())
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		return r, nil
	}
	return req, nil
}

// watchdog cancels one attempt of a request when the server stays silent for the
// timeout: from the start of the attempt to its response's headers, reset by every
// read of the request's body (which the transport reads as it sends it), and during
// every read of the response's body.
type watchdog struct {
	timer    *time.Timer
	timeout  time.Duration
	fired    atomic.Bool
	answered atomic.Bool
}

// watch starts a watchdog on one attempt and returns the request to send; the
// attempt is also stopped when all is cancelled.
func watch(req *http.Request, timeout time.Duration, all context.Context) (*http.Request, *watchdog, context.CancelFunc) {
	ctx, cancelReq := context.WithCancel(req.Context())
	unlink := context.AfterFunc(all, cancelReq)
	cancel := func() { unlink(); cancelReq() }
	w := &watchdog{timeout: timeout}
	w.timer = time.AfterFunc(timeout, func() { w.fired.Store(true); cancel() })
	r := req.WithContext(ctx)
	if req.Body != nil && req.Body != http.NoBody {
		r.Body = &progressBody{ReadCloser: req.Body, w: w}
	}
	return r, w, cancel
}

// headers stops the watchdog once the response's headers are in.
func (w *watchdog) headers() {
	w.answered.Store(true)
	w.timer.Stop()
}

type progressBody struct {
	io.ReadCloser
	w *watchdog
}

func (b *progressBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if !b.w.answered.Load() {
		b.w.timer.Reset(b.w.timeout)
	}
	return n, err
}

// watchedBody bounds each read of a response's body; a read the watchdog (or the
// endpoint going down) stopped fails with what silent says.
type watchedBody struct {
	io.ReadCloser
	w      *watchdog
	cancel context.CancelFunc
	silent func() error
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.w.timer.Reset(b.w.timeout)
	n, err := b.ReadCloser.Read(p)
	b.w.timer.Stop()
	if err != nil && err != io.EOF {
		if e := b.silent(); e != nil {
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

// The Storage Read API's calls get the same bound: a unary call (CreateReadSession)
// a deadline of the timeout, a stream (ReadRows) the timeout for each message. A
// call that times out this way fails with FailedPrecondition, which neither the
// generated client nor the library retries.

func silentCall(cc *grpc.ClientConn, method string, timeout time.Duration) error {
	return status.Errorf(codes.FailedPrecondition, "%s at %s: no answer within %v", method, cc.Target(), timeout)
}

func (p retryPolicy) deadlineUnary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	cctx, cancel := context.WithTimeout(ctx, p.limit())
	defer cancel()
	err := invoker(cctx, method, req, reply, cc, opts...)
	if err != nil && cctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
		return silentCall(cc, method, p.limit())
	}
	return err
}

func (p retryPolicy) deadlineStream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	sctx, cancel := context.WithCancel(ctx)
	w := &watchdog{timeout: p.limit()}
	w.timer = time.AfterFunc(p.limit(), func() { w.fired.Store(true); cancel() })
	s, err := streamer(sctx, desc, cc, method, opts...)
	w.timer.Stop()
	if err != nil {
		cancel()
		if w.fired.Load() && ctx.Err() == nil {
			return nil, silentCall(cc, method, p.limit())
		}
		return nil, err
	}
	return &watchedStream{ClientStream: s, w: w, cancel: cancel, parent: ctx, cc: cc, method: method}, nil
}

type watchedStream struct {
	grpc.ClientStream
	w      *watchdog
	cancel context.CancelFunc
	parent context.Context
	cc     *grpc.ClientConn
	method string
}

func (s *watchedStream) RecvMsg(m any) error {
	s.w.timer.Reset(s.w.timeout)
	err := s.ClientStream.RecvMsg(m)
	s.w.timer.Stop()
	if err != nil {
		s.cancel()
		if err != io.EOF && s.w.fired.Load() && s.parent.Err() == nil {
			return silentCall(s.cc, s.method, s.w.timeout)
		}
	}
	return err
}
