package bigquery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gbq "cloud.google.com/go/bigquery"
	storage "cloud.google.com/go/bigquery/storage/apiv1"
	"cloud.google.com/go/bigquery/storage/apiv1/storagepb"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/googleapis/gax-go/v2"
	"google.golang.org/grpc"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// Parallel reads. The client library reads a session's streams concurrently too,
// but it chooses the stream count itself (one per GOMAXPROCS, or one for an
// ordered query), its workers block for ever on a consumer that stopped, and a
// failed stream's error races the other streams' batches. ecomrun opens the read
// session itself: it asks for the spec's streams (default: one per CPU), reads them
// on as many goroutines, each decoding its own Arrow IPC, and hands the batches to
// the one RecordReader DuckDB consumes through a bounded channel, so memory stays
// at about two batches per stream whatever the table's size.
//
// Batches of different streams arrive interleaved as the network and the scheduler
// decide, and BigQuery does not promise which rows a stream holds anyway: the
// warehouse orders the staged rows by stableOrder, so the same source rows give
// the same table, and the same sink files, byte for byte, with any stream count
// and either read path.

// recvLimit lets a ReadRows message be as large as the API sends (up to 128 MB).
var recvLimit = gax.WithGRPCOptions(grpc.MaxCallRecvMsgSize(129 << 20))

// streamCount is how many streams a read asks for: the spec's, else one per CPU.
func (s *Source) streamCount() int {
	if s.cfg.Streams > 0 {
		return s.cfg.Streams
	}
	return runtime.NumCPU()
}

// readSession asks for a read session over a table (a query job's result table)
// in Arrow, split into at most the source's stream count.
func (s *Source) readSession(ctx context.Context, dst *gbq.Table) (*storagepb.ReadSession, error) {
	n := int32(s.streamCount())
	return s.rc.CreateReadSession(ctx, &storagepb.CreateReadSessionRequest{
		Parent: "projects/" + s.cfg.Project,
		ReadSession: &storagepb.ReadSession{
			Table:      fmt.Sprintf("projects/%s/datasets/%s/tables/%s", dst.ProjectID, dst.DatasetID, dst.TableID),
			DataFormat: storagepb.DataFormat_ARROW,
		},
		MaxStreamCount:          n,
		PreferredMinStreamCount: n,
	}, recvLimit)
}

// streamsReader reads every stream of a read session at once and serves their
// batches, in the order they arrive, as one array.RecordReader.
type streamsReader struct {
	refs    atomic.Int64
	ctx     context.Context
	stop    context.CancelCauseFunc
	schema  *arrow.Schema
	batches chan arrow.RecordBatch
	cur     arrow.RecordBatch
	// failed is the first failure of any stream; the others stop on it.
	failed  atomic.Pointer[error]
	workers sync.WaitGroup
	// Rows is how many rows the streams delivered (and the ReadRows responses said).
	rows atomic.Int64
}

var _ array.RecordReader = (*streamsReader)(nil)

// newStreamsReader starts reading a session's streams with up to workers goroutines.
func newStreamsReader(ctx context.Context, rc *storage.BigQueryReadClient, session *storagepb.ReadSession, workers int, p retryPolicy) (*streamsReader, error) {
	schemaMsg := session.GetArrowSchema().GetSerializedSchema()
	ir, err := ipc.NewReader(bytes.NewReader(schemaMsg))
	if err != nil {
		return nil, fmt.Errorf("storage read API: the session's Arrow schema: %w", err)
	}
	schema := ir.Schema()
	ir.Release()
	streams := session.GetStreams()
	workers = max(1, min(workers, len(streams)))
	ctx, stop := context.WithCancelCause(ctx)
	r := &streamsReader{ctx: ctx, stop: stop, schema: schema, batches: make(chan arrow.RecordBatch, workers)}
	r.refs.Store(1)
	var next atomic.Int64
	r.workers.Add(workers)
	for range workers {
		go func() {
			defer r.workers.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(streams) || ctx.Err() != nil {
					return
				}
				st := &rowStream{ctx: ctx, rc: rc, name: streams[i].GetName(), policy: p}
				if err := r.readStream(st, schemaMsg); err != nil {
					r.fail(fmt.Errorf("storage read API: stream %d of %d (%s) failed after %d rows: %w",
						i+1, len(streams), st.name, st.offset, reason(ctx, err)))
					return
				}
			}
		}()
	}
	// Waits and closes, which cannot panic: the workers recover their own panics.
	go func() {
		r.workers.Wait()
		close(r.batches)
	}()
	return r, nil
}

func (r *streamsReader) fail(err error) {
	if r.failed.CompareAndSwap(nil, &err) {
		r.stop(err)
	}
}

// readStream reads one stream. A panic on the way (in the client library, the gRPC
// stack or the Arrow decoder) fails the table like any failure of the stream, in one
// line, instead of ending the process without cleanup.
func (r *streamsReader) readStream(st *rowStream, schemaMsg []byte) (err error) {
	defer func() {
		if p := recover(); p != nil {
			st.close()
			err = panicked(p)
		}
	}()
	return r.read(st, schemaMsg)
}

// panicked is a recovered panic as an error of one line.
func panicked(p any) error {
	return fmt.Errorf("panic: %s", strings.ReplaceAll(fmt.Sprint(p), "\n", " "))
}

// read decodes one stream and sends its batches on, checking that the rows decoded
// are the rows the responses announced.
func (r *streamsReader) read(st *rowStream, schemaMsg []byte) error {
	ir, err := ipc.NewReader(io.MultiReader(bytes.NewReader(schemaMsg), st), ipc.WithAllocator(memory.DefaultAllocator))
	if err != nil {
		return st.cause(err)
	}
	defer ir.Release()
	if !ir.Schema().Equal(r.schema) {
		return errors.New("a stream's schema is not the session's")
	}
	var rows int64
	for ir.Next() {
		rec := ir.RecordBatch()
		rows += rec.NumRows()
		rec.Retain()
		select {
		case r.batches <- rec:
		case <-r.ctx.Done():
			rec.Release()
			return context.Cause(r.ctx)
		}
	}
	if err := ir.Err(); err != nil {
		return st.cause(err)
	}
	if rows != st.offset {
		return fmt.Errorf("decoded %d rows, the responses announced %d", rows, st.offset)
	}
	r.rows.Add(rows)
	return nil
}

func (r *streamsReader) Retain() { r.refs.Add(1) }

// Release stops the streams still reading and frees what they queued.
func (r *streamsReader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	r.stop(context.Canceled)
	for b := range r.batches { // closed once every worker has returned
		b.Release()
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

func (r *streamsReader) Schema() *arrow.Schema          { return r.schema }
func (r *streamsReader) RecordBatch() arrow.RecordBatch { return r.cur }
func (r *streamsReader) Record() arrow.RecordBatch      { return r.cur }

func (r *streamsReader) Err() error {
	if err := r.failed.Load(); err != nil {
		return *err
	}
	return nil
}

// Next waits for a batch of any stream; it ends when every stream has ended, or at
// the first failure of one.
func (r *streamsReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.failed.Load() != nil {
		return false
	}
	b, ok := <-r.batches
	if !ok || r.failed.Load() != nil {
		if ok {
			b.Release()
		}
		return false
	}
	r.cur = b
	return true
}

// rowStream is the Arrow IPC bytes of one read stream's ReadRows responses, as an
// io.Reader. A retryable failure (the retry interceptors bound how many per table)
// reopens the stream at the offset of the rows already received.
type rowStream struct {
	ctx    context.Context
	rc     *storage.BigQueryReadClient
	name   string
	policy retryPolicy
	rpc    storagepb.BigQueryRead_ReadRowsClient
	end    context.CancelFunc
	// offset is the rows of the responses received whole.
	offset int64
	tries  int
	buf    bytes.Reader
	err    error // the failure behind a Read error, for cause
}

func (s *rowStream) Read(p []byte) (n int, err error) {
	// The Arrow reader calling Read recovers panics into an "invalid message" error;
	// one under Read (the client library, gRPC) is the stream's failure, said as such.
	defer func() {
		if x := recover(); x != nil {
			s.close()
			s.err = panicked(x)
			n, err = 0, s.err
		}
	}()
	for s.buf.Len() == 0 {
		if err := s.fill(); err != nil {
			if err != io.EOF {
				s.err = err
			}
			return 0, err
		}
	}
	return s.buf.Read(p)
}

// cause is the stream's own failure behind an error of the IPC reader over it.
func (s *rowStream) cause(err error) error {
	if s.err != nil {
		return s.err
	}
	return err
}

func (s *rowStream) close() {
	if s.end != nil {
		s.end()
		s.end, s.rpc = nil, nil
	}
}

// fill receives the next response with rows into buf.
func (s *rowStream) fill() error {
	for {
		if err := s.ctx.Err(); err != nil {
			s.close()
			return context.Cause(s.ctx)
		}
		if s.rpc == nil {
			ctx, end := context.WithCancel(s.ctx)
			rpc, err := s.rc.ReadRows(ctx, &storagepb.ReadRowsRequest{ReadStream: s.name, Offset: s.offset}, recvLimit)
			if err != nil {
				end()
				if s.again(err) {
					continue
				}
				return err
			}
			s.rpc, s.end = rpc, end
		}
		resp, err := s.rpc.Recv()
		if err == io.EOF {
			s.close()
			return io.EOF
		}
		if err != nil {
			s.close()
			if s.again(err) {
				continue
			}
			return err
		}
		if resp.GetRowCount() == 0 {
			continue
		}
		s.offset += resp.GetRowCount()
		s.buf.Reset(resp.GetArrowRecordBatch().GetSerializedRecordBatch())
		return nil
	}
}

// again waits before another try of a retryable failure and says whether to try.
func (s *rowStream) again(err error) bool {
	if !grpcRetryable(err) || s.ctx.Err() != nil {
		return false
	}
	if s.tries++; s.tries >= s.policy.tries {
		return false
	}
	select {
	case <-s.ctx.Done():
		return false
	case <-time.After(s.policy.pause(s.tries)):
		return true
	}
}

// stableOrder is the ORDER BY the staged rows of a model are kept in: the model's
// key, then every column, so that rows that tie on the key (a duplicated key) are
// ordered too and only identical rows are interchangeable.
func stableOrder(m *catalog.Model) string {
	cols := make([]string, 0, len(m.Columns)+1)
	if m.Key != "" {
		cols = append(cols, sqlq.Ident(m.Key))
	}
	for _, c := range m.Columns {
		if c.Name != m.Key {
			cols = append(cols, sqlq.Ident(c.Name))
		}
	}
	return " ORDER BY " + strings.Join(cols, ", ")
}
