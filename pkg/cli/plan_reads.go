package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
	"github.com/ecomrun/ecomrun/pkg/stages/bigquery"
)

// estimateTimeout bounds the dry runs of one plan: they are a courtesy, and plan
// must not hang on a slow or unreachable service.
const estimateTimeout = 60 * time.Second

// tableRead is what a source says about reading one table.
type tableRead struct {
	table string
	query string
	bytes int64 // what the read would scan; -1 when unknown
	// refused is a dry run over the table's max_bytes_billed (bigquery): plan fails.
	refused error
}

// planReads asks the spec's source how it reads each table (a Describer) and, when
// it can tell, how many bytes each read would scan (an Estimator: BigQuery's dry
// run, which needs credentials and bills nothing). note says why there are no
// estimates when the source could have given them: no credentials, say.
func planReads(ctx context.Context, p *spec.Plan) (reads []tableRead, note string) {
	src, err := stages.NewSource(p.Spec)
	if err != nil {
		return nil, err.Error()
	}
	if c, ok := src.(io.Closer); ok {
		defer c.Close()
	}
	d, ok := src.(stages.Describer)
	if !ok {
		return nil, ""
	}
	est, estimate := src.(stages.Estimator)
	ctx, cancel := context.WithTimeout(ctx, estimateTimeout)
	defer cancel()
	for i := range p.Tables {
		t := &p.Tables[i]
		r := tableRead{table: t.Name, query: d.Describe(t), bytes: -1}
		if estimate {
			n, err := est.Estimate(ctx, t)
			var over *bigquery.OverLimitError
			switch {
			case errors.As(err, &over):
				r.bytes, r.refused = n, err
			case errors.Is(err, stages.ErrNoEstimate):
				estimate = false
			case err != nil:
				estimate, note = false, "bytes to scan not estimated: "+err.Error()
			default:
				r.bytes = n
			}
		}
		reads = append(reads, r)
	}
	return reads, note
}

// printReads lists each table's read under the plan, with the bytes it would scan.
func printReads(w io.Writer, reads []tableRead, note string) {
	if len(reads) == 0 && note == "" {
		return
	}
	fmt.Fprintln(w, "\nReads:")
	var total int64
	estimated := len(reads) > 0
	for _, r := range reads {
		fmt.Fprintf(w, "  %s: %s\n", r.table, r.query)
		if r.bytes >= 0 {
			fmt.Fprintf(w, "    scans %s (%d bytes, dry run)\n", report.Bytes(r.bytes), r.bytes)
			total += r.bytes
			if r.refused != nil {
				fmt.Fprintf(w, "    refused: %v\n", r.refused)
			}
		} else {
			estimated = false
		}
	}
	if estimated {
		fmt.Fprintf(w, "  in all: %s (%d bytes)\n", report.Bytes(total), total)
	}
	if note != "" {
		fmt.Fprintf(w, "  (%s)\n", note)
	}
}
