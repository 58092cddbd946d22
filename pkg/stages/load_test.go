package stages

import (
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/report"
)

// The load stage refuses to commit when rows in and rows out disagree.
func TestCheckAccountingCatchesAMismatch(t *testing.T) {
	for _, tc := range []struct {
		acct report.Table
		ok   bool
	}{
		{report.Table{RowsIn: 10, RowsLoaded: 7, RowsQuarantined: 2, RowsDropped: 1}, true},
		{report.Table{RowsIn: 0}, true},
		{report.Table{RowsIn: 10, RowsLoaded: 7, RowsQuarantined: 2}, false},  // a row vanished
		{report.Table{RowsIn: 10, RowsLoaded: 10, RowsQuarantined: 1}, false}, // a row appeared
	} {
		err := CheckAccounting("orders", tc.acct)
		if (err == nil) != tc.ok {
			t.Errorf("%+v: err = %v, want ok=%v", tc.acct, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "accounting mismatch for orders") {
			t.Errorf("error %q does not say what and where", err)
		}
	}
}
