package stages

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// maxDistinctSpan bounds the range of values DistinctKeys spends one bit each on:
// 16 MiB of bits per DuckDB thread.
const maxDistinctSpan = 1 << 27

// DistinctKeys finds the integer columns of the staged relation that a unique or
// duplicate rule checks and that hold no value twice, proved with one bit per
// value of the column's range (bitstring_agg counts the distinct values), a pass
// ten times cheaper than the hash aggregate the rule's own check is: on 2.4M event
// ids 0.04 CPU seconds against 0.38. A column it cannot prove (it holds a value
// twice, its range is too wide, or the rows are staged as text) keeps its check.
// The validate stage runs it before the rules; so does make bench's validation pass.
func DistinctKeys(ctx context.Context, db *sql.DB, relation string, t *spec.TablePlan, raw bool) (map[string]bool, error) {
	proved := map[string]bool{}
	if raw {
		return proved, nil
	}
	for _, r := range t.Rules {
		col, ok := t.Model.Column(r.Column)
		if (r.Check != rules.Unique && r.Check != rules.Duplicate) || !ok || col.Type != catalog.Int64 || proved[r.Column] {
			continue
		}
		q := sqlq.Ident(r.Column)
		var lo, hi sql.NullInt64
		var n int64
		var narrow sql.NullBool
		err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT min(%s), max(%s), count(%s), max(%s)::HUGEINT - min(%s) < %d FROM %s",
			q, q, q, q, q, maxDistinctSpan, relation)).Scan(&lo, &hi, &n, &narrow)
		if err != nil {
			return nil, err
		}
		if n > 1 && !narrow.Bool {
			continue
		}
		distinct := n
		if n > 1 {
			err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT bit_count(bitstring_agg(%s, %d, %d)) FROM %s", q, lo.Int64, hi.Int64, relation)).Scan(&distinct)
			if err != nil {
				return nil, err
			}
		}
		proved[r.Column] = distinct == n
	}
	return proved, nil
}
