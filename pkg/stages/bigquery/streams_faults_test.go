package bigquery

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gbq "cloud.google.com/go/bigquery"
	"cloud.google.com/go/bigquery/storage/apiv1/storagepb"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/thelook"
)

// withPolicy sets the retry policy (tries, pauses, timeout) before Open builds the
// clients on it.
func withPolicy(p retryPolicy) Option { return func(s *Source) { s.policy = p } }

// A stream that breaks with a retryable error on every call is reopened until the
// table's read has had policy.tries retryable failures, all its streams and calls
// counted together, then fails the table saying so.
func TestRetryableBreaksAreBoundedPerRead(t *testing.T) {
	m := catalog.Lookup("events")
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
	m := catalog.Lookup("events")
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

// panickyStream panics, once armed, in the first RecvMsg of the ReadRows call of a stream.
func panickyStream(stream string, armed *atomic.Bool) grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		s, err := streamer(ctx, desc, cc, method, opts...)
		if err != nil {
			return nil, err
		}
		return &panicky{ClientStream: s, stream: stream, armed: armed}, nil
	}
}

type panicky struct {
	grpc.ClientStream
	stream string
	armed  *atomic.Bool
	hit    bool
}

func (p *panicky) SendMsg(m any) error {
	if req, ok := m.(*storagepb.ReadRowsRequest); ok && p.armed.Load() && strings.HasSuffix(req.GetReadStream(), p.stream) {
		p.hit = true
	}
	return p.ClientStream.SendMsg(m)
}

func (p *panicky) RecvMsg(m any) error {
	if p.hit {
		panic("the test panics\nin a stream")
	}
	return p.ClientStream.RecvMsg(m)
}

// A panic in a stream's goroutine, here in the gRPC stack under RecvMsg, fails the
// table with one line naming the stream and saying it panicked; the other streams
// stop, and the process goes on.
func TestPanicInAStreamFailsTheTable(t *testing.T) {
	m := catalog.Lookup("events")
	_, addr := newArrowServer(t, m.Table, thelook.Options{Scale: 0.01, Seed: 7, BatchSize: 500})
	wh := openWarehouse(t)
	var armed atomic.Bool
	s := streamSource(t, addr, 4, WithStorageEndpoint(option.WithGRPCDialOption(grpc.WithChainStreamInterceptor(panickyStream("/streams/2", &armed)))))
	ctx := context.Background()
	if _, err := loadStreams(ctx, s, wh, m, "warm"); err != nil { // connects, so that goroutines can be counted
		t.Fatal(err)
	}
	armed.Store(true)
	start := runtime.NumGoroutine()
	_, err := loadStreams(ctx, s, wh, m, "events")
	if err == nil {
		t.Fatal("the read succeeded over a stream that panicked")
	}
	want := "storage read API: stream 3 of 4 (projects/p/sessions/s2/streams/2) failed after 0 rows: panic: the test panics in a stream"
	if err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if ok, _ := wh.Exists(ctx, "", "main", "events"); ok {
		t.Error("a table was created from a read that failed")
	}
	waitGoroutines(t, start)
}

// A panic in a stream's worker outside the Arrow reader (which recovers its own) is
// the stream's error too: here the hand-off of a decoded batch panics on a reader
// built without a context.
func TestPanicInAWorkerIsTheStreamsError(t *testing.T) {
	m := catalog.Lookup("events")
	_, addr := newArrowServer(t, m.Table, thelook.Options{Scale: 0.002, Seed: 7, BatchSize: 500})
	s := streamSource(t, addr, 1)
	ctx, cancel := readContext(context.Background())
	defer cancel(nil)
	session, err := s.readSession(ctx, &gbq.Table{ProjectID: "p", DatasetID: "d", TableID: m.Table})
	if err != nil {
		t.Fatal(err)
	}
	ir, err := ipc.NewReader(bytes.NewReader(session.GetArrowSchema().GetSerializedSchema()))
	if err != nil {
		t.Fatal(err)
	}
	r := &streamsReader{schema: ir.Schema()} // no ctx, no queue: sending a batch panics
	ir.Release()
	st := &rowStream{ctx: ctx, rc: s.rc, name: session.GetStreams()[0].GetName(), policy: s.policy}
	err = r.readStream(st, session.GetArrowSchema().GetSerializedSchema())
	if err == nil || !strings.HasPrefix(err.Error(), "panic: runtime error: invalid memory address or nil pointer dereference") {
		t.Errorf("error %v, want the panic", err)
	}
}
