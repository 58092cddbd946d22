package spec

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ecomrun/ecomrun/pkg/catalog"
)

// Incremental says how a table in incremental mode reads only what is new: rows
// whose Cursor is past the stored watermark less the lookback, merged on PrimaryKey.
type Incremental struct {
	Cursor     string `json:"cursor"`
	PrimaryKey string `json:"primary_key"`
	// Lookback reads again what came shortly before the watermark (late or updated
	// rows): Duration for a timestamp cursor, Units for an integer one.
	Duration time.Duration `json:"lookback_duration,omitempty"`
	Units    int64         `json:"lookback_units,omitempty"`
}

// incremental builds a table's Incremental, or says what is wrong with its keys.
// Snapshot tables get nil and must not set the incremental keys.
func incremental(t Table, m *catalog.Model) (*Incremental, []fieldError) {
	if t.Mode != ModeIncremental {
		var errs []fieldError
		for key, set := range map[string]bool{"cursor": t.Cursor != "", "primary_key": t.PrimaryKey != "", "lookback": t.Lookback != nil} {
			if set {
				errs = append(errs, fieldError{key, fmt.Sprintf("%s applies only when mode is incremental", key)})
			}
		}
		return nil, errs
	}
	inc := &Incremental{Cursor: t.Cursor, PrimaryKey: t.PrimaryKey}
	if inc.PrimaryKey == "" {
		inc.PrimaryKey = m.Key
	}
	var errs []fieldError
	cursor, ok := m.Column(t.Cursor)
	switch {
	case t.Cursor == "":
		return inc, nil // the schema reports the missing cursor
	case !ok:
		errs = append(errs, fieldError{"cursor", fmt.Sprintf("unknown column %q in table %s%s", t.Cursor, t.Name, DidYouMean(t.Cursor, m.ColumnNames()))})
	case cursor.Type != catalog.Timestamp && cursor.Type != catalog.Int64:
		errs = append(errs, fieldError{"cursor", fmt.Sprintf("cursor %s is %s: a cursor is a TIMESTAMP or INT64 column", t.Cursor, cursor.Type)})
	}
	if t.Limit > 0 {
		// LIMIT reads some rows, in no order; the watermark would then move past rows never read.
		errs = append(errs, fieldError{"limit", "limit would skip rows of an incremental table for good (the watermark moves past the rows it left out): remove it, or use mode: snapshot while developing"})
	}
	if inc.PrimaryKey == "" {
		errs = append(errs, fieldError{"primary_key", fmt.Sprintf("table %s has no key to merge on: set primary_key, or key on the table", t.Name)})
	} else if _, ok := m.Column(inc.PrimaryKey); !ok {
		errs = append(errs, fieldError{"primary_key", fmt.Sprintf("unknown column %q in table %s%s", inc.PrimaryKey, t.Name, DidYouMean(inc.PrimaryKey, m.ColumnNames()))})
	}
	if t.Lookback != nil && ok {
		if err := inc.setLookback(t.Lookback, cursor.Type); err != nil {
			errs = append(errs, fieldError{"lookback", err.Error()})
		}
	}
	return inc, errs
}

type fieldError struct{ key, msg string }

func (inc *Incremental) setLookback(v any, cursor catalog.Type) error {
	s := strings.TrimSpace(fmt.Sprint(v))
	unit := strings.TrimLeft(s, "0123456789")
	n, err := strconv.ParseInt(strings.TrimSuffix(s, unit), 10, 64)
	if err != nil {
		return fmt.Errorf("lookback %q: want a whole number, with a unit (d, h, m, s) for a timestamp cursor", s)
	}
	if cursor == catalog.Int64 {
		if unit != "" {
			return fmt.Errorf("lookback %q: the cursor is an integer, so the lookback is a whole number without a unit", s)
		}
		inc.Units = n
		return nil
	}
	per := map[string]time.Duration{"d": 24 * time.Hour, "h": time.Hour, "m": time.Minute, "s": time.Second}[unit]
	if per == 0 {
		return fmt.Errorf("lookback %q: give a unit for a timestamp cursor, such as 3d, 12h or 30m", s)
	}
	inc.Duration = time.Duration(n) * per
	return nil
}
