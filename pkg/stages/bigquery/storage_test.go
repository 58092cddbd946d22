package bigquery_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gbq "cloud.google.com/go/bigquery"
	"cloud.google.com/go/bigquery/storage/apiv1/storagepb"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/ecomrun/ecomrun/pkg/diag"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
	"github.com/ecomrun/ecomrun/pkg/stages/bigquery"
)

// storageServer is a BigQuery Storage Read API (gRPC) in front of the emulator,
// whose own makes the client panic. A read session on a table (a query's
// destination table) reads it from the emulator over REST and serves it as Arrow
// IPC, in batches spread over as many streams as the session asks for, as BigQuery does.
type storageServer struct {
	storagepb.UnimplementedBigQueryReadServer
	rest *gbq.Client

	mu       sync.Mutex
	streams  map[string][]batch
	sessions atomic.Int32
	// failReads makes that many ReadRows calls fail with Unavailable first.
	failReads atomic.Int32
}

type batch struct {
	data []byte
	rows int64
}

// startStorage serves the Storage Read API on a free port until the test ends and
// returns its address.
func startStorage(t *testing.T, emu *emulator) (*storageServer, string) {
	t.Helper()
	rest, err := gbq.NewClient(context.Background(), testProject, option.WithEndpoint(emu.url), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &storageServer{rest: rest, streams: map[string][]batch{}}
	g := grpc.NewServer()
	storagepb.RegisterBigQueryReadServer(g, s)
	go g.Serve(l)
	t.Cleanup(func() {
		g.Stop()
		rest.Close()
	})
	return s, l.Addr().String()
}

func (s *storageServer) CreateReadSession(ctx context.Context, req *storagepb.CreateReadSessionRequest) (*storagepb.ReadSession, error) {
	var project, dataset, table string
	parts := strings.Split(req.GetReadSession().GetTable(), "/")
	if len(parts) != 6 {
		return nil, status.Errorf(codes.InvalidArgument, "table %q", req.GetReadSession().GetTable())
	}
	project, dataset, table = parts[1], parts[3], parts[5]
	tb := s.rest.DatasetInProject(project, dataset).Table(table)
	md, err := tb.Metadata(ctx)
	if err != nil {
		return nil, status.Error(codes.NotFound, err.Error())
	}
	schema, batches, err := encode(ctx, tb, md.Schema)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	name := fmt.Sprintf("projects/%s/locations/us/sessions/s%d", project, s.sessions.Add(1))
	session := &storagepb.ReadSession{
		Name: name, Table: req.GetReadSession().GetTable(), DataFormat: storagepb.DataFormat_ARROW,
		Schema: &storagepb.ReadSession_ArrowSchema{ArrowSchema: &storagepb.ArrowSchema{SerializedSchema: schema}},
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := max(1, int(req.GetMaxStreamCount()))
	for i := range k {
		stream := fmt.Sprintf("%s/streams/%d", name, i)
		session.Streams = append(session.Streams, &storagepb.ReadStream{Name: stream})
		s.streams[stream] = []batch{} // a stream may have nothing to read
		for j := i; j < len(batches); j += k {
			s.streams[stream] = append(s.streams[stream], batches[j])
		}
	}
	return session, nil
}

func (s *storageServer) ReadRows(req *storagepb.ReadRowsRequest, srv storagepb.BigQueryRead_ReadRowsServer) error {
	if s.failReads.Add(-1) >= 0 {
		return status.Error(codes.Unavailable, "the test says: try again")
	}
	s.mu.Lock()
	batches, ok := s.streams[req.GetReadStream()]
	s.mu.Unlock()
	if !ok {
		return status.Errorf(codes.NotFound, "stream %q", req.GetReadStream())
	}
	var offset int64
	for _, b := range batches {
		if offset += b.rows; offset <= req.GetOffset() {
			continue // resumed past it
		}
		err := srv.Send(&storagepb.ReadRowsResponse{RowCount: b.rows, Rows: &storagepb.ReadRowsResponse_ArrowRecordBatch{
			ArrowRecordBatch: &storagepb.ArrowRecordBatch{SerializedRecordBatch: b.data}}})
		if err != nil {
			return err
		}
	}
	return nil
}

// encode reads a table over REST and returns its Arrow IPC schema message and
// record batch messages, as the Storage Read API sends them: separately.
func encode(ctx context.Context, tb *gbq.Table, schema gbq.Schema) ([]byte, []batch, error) {
	fields := make([]arrow.Field, len(schema))
	for i, f := range schema {
		var typ arrow.DataType
		switch f.Type {
		case gbq.IntegerFieldType:
			typ = arrow.PrimitiveTypes.Int64
		case gbq.FloatFieldType:
			typ = arrow.PrimitiveTypes.Float64
		case gbq.TimestampFieldType:
			typ = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
		default:
			typ = arrow.BinaryTypes.String
		}
		fields[i] = arrow.Field{Name: f.Name, Type: typ, Nullable: true}
	}
	as := arrow.NewSchema(fields, nil)
	var head bytes.Buffer
	w := ipc.NewWriter(&head, ipc.WithSchema(as))
	if err := w.Close(); err != nil { // schema message, then the 8-byte end-of-stream marker
		return nil, nil, err
	}
	schemaMsg := head.Bytes()[:head.Len()-8]

	rb := array.NewRecordBuilder(memory.DefaultAllocator, as)
	defer rb.Release()
	var batches []batch
	flush := func() error {
		rec := rb.NewRecordBatch()
		defer rec.Release()
		var buf bytes.Buffer
		w := ipc.NewWriter(&buf, ipc.WithSchema(as))
		if err := w.Write(rec); err != nil {
			return err
		}
		batches = append(batches, batch{data: bytes.Clone(buf.Bytes()[len(schemaMsg):]), rows: rec.NumRows()})
		return nil
	}
	it := tb.Read(ctx)
	n := 0
	for {
		var row []gbq.Value
		err := it.Next(&row)
		if err == iterator.Done {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		for i, v := range row {
			appendValue(rb.Field(i), v)
		}
		if n++; n%100 == 0 {
			if err := flush(); err != nil {
				return nil, nil, err
			}
		}
	}
	if n%100 != 0 {
		if err := flush(); err != nil {
			return nil, nil, err
		}
	}
	return schemaMsg, batches, nil
}

func appendValue(b array.Builder, v gbq.Value) {
	if v == nil {
		b.AppendNull()
		return
	}
	switch b := b.(type) {
	case *array.Int64Builder:
		b.Append(v.(int64))
	case *array.Float64Builder:
		b.Append(v.(float64))
	case *array.TimestampBuilder:
		b.Append(arrow.Timestamp(v.(time.Time).UnixMicro()))
	case *array.StringBuilder:
		b.Append(fmt.Sprint(v))
	}
}

// registerStorageKind registers a variant of the bigquery source kind whose Storage
// Read API client talks to addr, and returns its name. The spec's schema allows only
// the public kinds, so tests compile a bigquery spec and then swap the source for
// one of this kind (storageSource).
func registerStorageKind(t *testing.T, addr string) string {
	kind := "bigquery-test-" + strings.ReplaceAll(t.Name(), "/", "-")
	stages.RegisterSource(kind, "a test's", func(_ spec.Source, c *storageConfig) (stages.Source, error) {
		return bigquery.New(c.cfg, bigquery.WithStorageEndpoint(option.WithEndpoint(addr),
			option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials()))))
	})
	return kind
}

// storageConfig is a bigquery config whose Storage Read API is a test's own
// server: read: storage beside an endpoint, which a spec cannot say (Check refuses
// it), so it has no keys of its own and checks nothing.
type storageConfig struct{ cfg *bigquery.Config }

func (c *storageConfig) Check(*spec.Block) diag.Diagnostics { return nil }
func (c *storageConfig) Describe() string                   { return c.cfg.Describe() }

// storageSource swaps a compiled plan's bigquery source for one of kind, reading
// through the Storage Read API with streams streams.
func storageSource(plan *spec.Plan, kind string, streams int) {
	cfg := *plan.Spec.Source.Config.(*bigquery.Config)
	cfg.Read, cfg.Streams = bigquery.ReadStorage, streams
	plan.Spec.Source = spec.Source{Kind: kind, Config: &storageConfig{&cfg}, Pos: plan.Spec.Source.Pos}
}

// The warehouse loaded through the Storage Read API (Arrow over gRPC), three streams
// per table read at once, equals the one loaded straight from the generator, with
// two ReadRows failures on the way retried.
func TestStorageReadEqualsGenerator(t *testing.T) {
	emu := startEmulator(t)
	srv, addr := startStorage(t, emu)
	srv.failReads.Store(2)
	dir := t.TempDir()
	plan := compile(t, dir, "bq", bigquerySource(emu.url, "rest"))
	storageSource(plan, registerStorageKind(t, addr), 3)
	mustApply(t, plan)
	mustApply(t, compile(t, dir, "gen", generatorSource()))
	sameTables(t, filepath.Join(dir, "bq.duckdb"), filepath.Join(dir, "gen.duckdb"))
	if n := srv.sessions.Load(); n != 7 {
		t.Errorf("%d read sessions, want one per table", n)
	}
	if n := srv.failReads.Load(); n >= 0 {
		t.Errorf("the injected ReadRows failures were not all hit (%d left)", n+1)
	}
}
