package scaffold

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	gbq "cloud.google.com/go/bigquery"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/ecomrun/ecomrun/pkg/catalog"
)

// keySample is how many rows of a table are read (tabledata.list, which BigQuery
// does not bill) to check a key candidate.
const keySample = 10000

// FromBigQuery lists the tables of project.dataset and their schemas, and reads
// up to keySample rows of each to check a key candidate. With an endpoint (an
// emulator) no authentication is attempted; otherwise the client library finds
// Application Default Credentials.
func FromBigQuery(ctx context.Context, projectDataset, endpoint string) (*Source, error) {
	i := strings.LastIndex(projectDataset, ".")
	if i <= 0 || i == len(projectDataset)-1 {
		return nil, fmt.Errorf("bigquery:%s: want bigquery:PROJECT.DATASET", projectDataset)
	}
	project, dataset := projectDataset[:i], projectDataset[i+1:]
	opts := []option.ClientOption{}
	if endpoint != "" {
		u, err := url.Parse(endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("--endpoint %q: want an http(s) URL such as http://127.0.0.1:9050", endpoint)
		}
		opts = append(opts, option.WithEndpoint(endpoint), option.WithoutAuthentication())
	}
	client, err := gbq.NewClient(ctx, project, opts...)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	block := []string{"kind: bigquery", "project: " + Quote(project) + "    # the project queries are billed to: yours, when the dataset is another's",
		"dataset: " + Quote(projectDataset)}
	if endpoint != "" {
		block = append(block, "endpoint: "+Quote(endpoint))
	}
	src := &Source{From: "bigquery:" + projectDataset, Name: pipelineName(dataset), Block: block}
	ds := client.Dataset(dataset)
	it := ds.Tables(ctx)
	for {
		t, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("listing the tables of %s: %w", projectDataset, err)
		}
		if !IsIdent(t.TableID) {
			src.Skipped = append(src.Skipped, fmt.Sprintf("%s: not a lower-case name (letters, digits, _)", t.TableID))
			continue
		}
		md, err := t.Metadata(ctx)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", t.TableID, err)
		}
		tb, err := bigQueryTable(ctx, t, md.Schema)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", t.TableID, err)
		}
		if tb == nil {
			src.Skipped = append(src.Skipped, fmt.Sprintf("%s: no column of a type a spec declares", t.TableID))
			continue
		}
		src.Tables = append(src.Tables, *tb)
	}
	if len(src.Tables) == 0 {
		if len(src.Skipped) > 0 {
			return nil, fmt.Errorf("no table of %s can be read: %s", projectDataset, strings.Join(src.Skipped, "; "))
		}
		return nil, fmt.Errorf("dataset %s has no tables", projectDataset)
	}
	return src, nil
}

// bigQueryTable is one table's model from its schema: thelook's when its name and
// columns are one of thelook's, else its columns of a type a spec declares.
func bigQueryTable(ctx context.Context, t *gbq.Table, schema gbq.Schema) (*Table, error) {
	tb := &Table{Name: t.TableID, From: t.TableID}
	var names []string
	for _, f := range schema {
		names = append(names, f.Name)
	}
	if recognise(t.TableID, names) {
		tb.Thelook = true
		return tb, nil
	}
	for _, f := range schema {
		typ, ok := catalog.FromBigQuery(string(f.Type), f.Repeated)
		switch {
		case !IsIdent(f.Name):
			tb.Notes = append(tb.Notes, fmt.Sprintf("column %s left out: not a lower-case name", f.Name))
		case !ok:
			kind := string(f.Type)
			if f.Repeated {
				kind = "REPEATED " + kind
			}
			tb.Notes = append(tb.Notes, fmt.Sprintf("column %s left out: %s has no spec type", f.Name, kind))
		default:
			tb.Columns = append(tb.Columns, catalog.Column{Name: f.Name, Type: typ})
		}
	}
	if len(tb.Columns) == 0 {
		return nil, nil
	}
	var err error
	tb.Key, tb.KeyNote, err = bigQueryKey(ctx, t, tb)
	return tb, err
}

// bigQueryKey proposes the first of id, <table>_id, <singular>_id that the table
// has and that is unique and never NULL in its first keySample rows.
func bigQueryKey(ctx context.Context, t *gbq.Table, tb *Table) (key, note string, err error) {
	var cands []int
	var tried []string
	for _, c := range keyCandidates(tb.Name) {
		if i := slices.IndexFunc(tb.Columns, func(col catalog.Column) bool { return col.Name == c }); i >= 0 && !slices.Contains(tried, c) {
			cands = append(cands, i)
			tried = append(tried, c)
		}
	}
	if len(cands) == 0 {
		return "", fmt.Sprintf("no column named %s", strings.Join(keyCandidates(tb.Name), ", ")), nil
	}
	seen := make([]map[string]bool, len(cands))
	ok := make([]bool, len(cands))
	for i := range cands {
		seen[i], ok[i] = map[string]bool{}, true
	}
	it := t.Read(ctx)
	n := 0
	for ; n < keySample; n++ {
		var row map[string]gbq.Value
		err := it.Next(&row)
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return "", "", fmt.Errorf("reading rows: %w", err)
		}
		for i, c := range cands {
			v := row[tb.Columns[c].Name]
			s := fmt.Sprint(v)
			if v == nil || seen[i][s] {
				ok[i] = false
			}
			seen[i][s] = true
		}
	}
	for i, c := range cands {
		if ok[i] {
			return tb.Columns[c].Name, fmt.Sprintf("unique and never NULL in the %d rows read", n), nil
		}
	}
	return "", fmt.Sprintf("%s has repeated or NULL values", strings.Join(tried, ", ")), nil
}
