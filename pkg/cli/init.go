package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ecomrun/ecomrun/pkg/scaffold"
)

// initArgs are init's flags.
type initArgs struct {
	from, tables, endpoint string
}

// initTimeout bounds the whole look at a source: listing a dataset and reading a
// few rows of each table, or describing a folder's files.
const initTimeout = 5 * time.Minute

// runInit prints a first spec for existing tables: a folder's files or a BigQuery
// dataset, with their columns and types as read.
func runInit(ctx context.Context, args []string, s streams) int {
	var a initArgs
	fs := newFlags("init", "--from files:DIR|bigquery:PROJECT.DATASET", s)
	fs.StringVar(&a.from, "from", "", "what to read: files:DIR (its *.csv and *.parquet files) or bigquery:PROJECT.DATASET")
	fs.StringVar(&a.tables, "tables", "", "only these tables, comma-separated")
	fs.StringVar(&a.endpoint, "endpoint", "", "bigquery: the API endpoint URL, for emulators (no authentication then)")
	rest, err := parse(fs, args)
	if err != nil {
		return parseExit(err)
	}
	fail := func(err error) int {
		fmt.Fprintln(s.err, "ecomrun init:", err)
		return ExitUsage
	}
	if len(rest) > 0 {
		return fail(fmt.Errorf("unexpected argument %q; the spec is printed on stdout (ecomrun init --from files:DIR > spec.yaml)", rest[0]))
	}
	kind, where, _ := strings.Cut(a.from, ":")
	if where == "" || (kind != "files" && kind != "bigquery") {
		return fail(fmt.Errorf("--from %q: want files:DIR or bigquery:PROJECT.DATASET", a.from))
	}
	if a.endpoint != "" && kind != "bigquery" {
		return fail(fmt.Errorf("--endpoint applies to --from bigquery:PROJECT.DATASET only"))
	}
	ctx, cancel := context.WithTimeout(ctx, initTimeout)
	defer cancel()
	var src *scaffold.Source
	if kind == "files" {
		src, err = scaffold.FromFiles(ctx, where)
	} else {
		src, err = scaffold.FromBigQuery(ctx, where, a.endpoint)
	}
	if err != nil {
		return fail(err)
	}
	var names []string
	for n := range strings.SplitSeq(a.tables, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	if err := src.Filter(names); err != nil {
		return fail(err)
	}
	_, _ = s.out.Write(scaffold.Render(src))
	return ExitOK
}
