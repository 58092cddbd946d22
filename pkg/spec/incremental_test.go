package spec

import (
	"slices"
	"testing"
	"time"
)

func TestIncrementalTables(t *testing.T) {
	const head = "version: 1\nsource: {kind: thelook}\nwarehouse: {path: w}\ntables:\n"
	for _, tc := range []struct {
		name, table string
		want        *Incremental
		errs        []string
	}{
		{"timestamp cursor with lookback", "  - {name: orders, mode: incremental, cursor: created_at, lookback: 3d}",
			&Incremental{Cursor: "created_at", PrimaryKey: "order_id", Duration: 72 * time.Hour}, nil},
		{"integer cursor", "  - {name: events, mode: incremental, cursor: id, lookback: 100, primary_key: id}",
			&Incremental{Cursor: "id", PrimaryKey: "id", Units: 100}, nil},
		{"snapshot by default", "  - {name: users}", nil, nil},
		{"missing cursor", "  - {name: users, mode: incremental}", nil,
			[]string{`5:5: missing required key "cursor" when mode is incremental`}},
		{"cursor of a snapshot table", "  - {name: users, cursor: created_at}", nil,
			[]string{"5:27: cursor applies only when mode is incremental"}},
		{"unknown cursor", "  - {name: users, mode: incremental, cursor: created}", nil,
			[]string{`5:46: unknown column "created" in table users`}},
		{"string cursor", "  - {name: users, mode: incremental, cursor: email}", nil,
			[]string{"5:46: cursor email is STRING: a cursor is a TIMESTAMP or INT64 column"}},
		{"lookback without unit", "  - {name: users, mode: incremental, cursor: created_at, lookback: 3}", nil,
			[]string{`5:68: lookback "3": give a unit for a timestamp cursor, such as 3d, 12h or 30m`}},
		{"lookback with unit on an integer cursor", "  - {name: users, mode: incremental, cursor: id, lookback: 3d}", nil,
			[]string{`5:60: lookback "3d": the cursor is an integer, so the lookback is a whole number without a unit`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ds := Load("t.yaml", []byte(head+tc.table+"\n"), noEnv)
			if got := short(ds); !slices.Equal(got, tc.errs) {
				t.Fatalf("diagnostics %q, want %q", got, tc.errs)
			}
			if tc.errs != nil {
				return
			}
			p, ds := Compile(s)
			if ds.HasErrors() {
				t.Fatal(ds)
			}
			got := p.Tables[0].Incremental
			if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
				t.Errorf("incremental = %+v, want %+v", got, tc.want)
			}
		})
	}
}
