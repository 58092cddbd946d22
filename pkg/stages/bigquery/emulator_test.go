package bigquery_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	gbq "cloud.google.com/go/bigquery"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"google.golang.org/api/option"

	"github.com/ecomrun/ecomrun/internal/bqemulator"
	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/thelook"
)

// The tests run the real client library against goccy/bigquery-emulator, a BigQuery
// implementation of its own (REST, SQL through googlesqlite), started by
// internal/bqemulator.

const (
	testProject = "ecomrun-test"
	testDataset = "thelook"
	testScale   = 0.002
	testSeed    = 7
)

// emulator is a running emulator loaded with generated thelook data.
type emulator struct {
	url  string // REST endpoint
	grpc string // its own Storage Read API (the client panics on it; unused)
}

// startEmulator runs the emulator on free ports with the generated tables of the
// given scale and seed in testProject.thelook, and kills it when the test ends.
func startEmulator(t *testing.T) *emulator { t.Helper(); return startEmulatorWith(t) }

// startEmulatorWith is startEmulator with further datasets of testProject.
func startEmulatorWith(t *testing.T, extra ...dataset) *emulator {
	t.Helper()
	em := bqemulator.Start(t, testProject, emulatorData(t, extra...))
	e := &emulator{url: em.URL, grpc: em.GRPC}
	e.geographies(t)
	return e
}

// geographies creates the tables with GEOGRAPHY columns from their staging copies:
// the emulator's data loader would store the WKT as a string, on which ST_ASTEXT fails.
func (e *emulator) geographies(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	c, err := gbq.NewClient(ctx, testProject, option.WithEndpoint(e.url), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, table := range catalog.Tables {
		var geo []string
		for _, col := range catalog.Lookup(table).Columns {
			if col.Type == catalog.Geography {
				geo = append(geo, fmt.Sprintf("ST_GEOGFROMTEXT(%s) AS %s", col.Name, col.Name))
			}
		}
		if len(geo) == 0 {
			continue
		}
		sql := fmt.Sprintf("CREATE TABLE `%s.%s.%s` AS SELECT * REPLACE (%s) FROM `%s.staging.%s`",
			testProject, testDataset, table, strings.Join(geo, ", "), testProject, table)
		job, err := c.Query(sql).Run(ctx)
		if err == nil {
			_, err = job.Wait(ctx)
		}
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}

// The emulator's data file: datasets of tables with typed columns and rows.
type (
	column struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
	table struct {
		ID      string           `json:"id"`
		Columns []column         `json:"columns"`
		Data    []map[string]any `json:"data"`
	}
	dataset struct {
		ID     string  `json:"id"`
		Tables []table `json:"tables"`
	}
)

// emulatorData is the emulator's data: every generated table in testProject.thelook,
// but those with a GEOGRAPHY column in testProject.staging with the WKT as STRING,
// for geographies to convert.
func emulatorData(t *testing.T, extra ...dataset) any {
	t.Helper()
	tables, staging := dataset{ID: testDataset}, dataset{ID: "staging"}
	for _, name := range catalog.Tables {
		m := catalog.Lookup(name)
		tb := table{ID: name, Data: generatedRows(t, name)}
		into := &tables
		for _, c := range m.Columns {
			typ := string(c.Type)
			if c.Type == catalog.Geography {
				typ, into = "STRING", &staging
			}
			tb.Columns = append(tb.Columns, column{Name: c.Name, Type: typ})
		}
		into.Tables = append(into.Tables, tb)
	}
	return map[string]any{"projects": []any{map[string]any{"id": testProject, "datasets": append([]dataset{tables, staging}, extra...)}}}
}

// generatedRows is a table of the generator at the test's scale and seed, as rows.
func generatedRows(t *testing.T, table string) []map[string]any {
	t.Helper()
	r, err := thelook.Generate(table, thelook.Options{Scale: testScale, Seed: testSeed})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	var rows []map[string]any
	for r.Next() {
		rec := r.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			row := map[string]any{}
			for j, f := range rec.Schema().Fields() {
				row[f.Name] = value(rec.Column(j), i)
			}
			rows = append(rows, row)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// value is one Arrow value as the data file spells it.
func value(col arrow.Array, i int) any {
	if col.IsNull(i) {
		return nil
	}
	switch c := col.(type) {
	case *array.Int64:
		return c.Value(i)
	case *array.Float64:
		return c.Value(i)
	case *array.String:
		return c.Value(i)
	case *array.Timestamp:
		return time.UnixMicro(int64(c.Value(i))).UTC().Format("2006-01-02T15:04:05.999999Z")
	}
	panic(fmt.Sprintf("no data file spelling for %s", col.DataType()))
}
