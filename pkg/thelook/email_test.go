package thelook_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

// TestEmailFormat runs the built-in users.email_format rule as the warehouse
// compiles it: every shape a genuine thelook email has (and the lenient
// neighbours of it) passes, NULL passes, and what the email_malformed defect
// makes, or any other value that is no address, breaks it.
func TestEmailFormat(t *testing.T) {
	users := catalog.Lookup("users")
	i := slices.IndexFunc(users.Rules, func(r rules.Rule) bool { return r.Name == "email_format" })
	if i < 0 {
		t.Fatal("users has no built-in rule email_format")
	}
	rule := users.Rules[i]
	if rule.Check != rules.Pattern || rule.Column != "email" || !rule.Builtin || rule.Severity != rules.SeverityError || rule.Optional {
		t.Fatalf("email_format is %+v, want a built-in error pattern on email", rule)
	}
	cases := []struct {
		email any
		ok    bool
	}{
		{"jamessmith@gmail.com", true},
		{"marygarcia@yahoo.com", true},
		{"kimberlyrichardson@hotmail.com", true},
		{"kellywilliams@example.net", true}, // Faker's safe domains
		{"seanobrien@mail.co.uk", true},
		{"patrick.o'brien@gmail.com", true}, // an apostrophe or a dot would pass, though no list holds one
		{"annesmith-jones@gmail.com", true},
		{"josé@gmail.com", true},
		{nil, true},
		{"jamessmithgmail.com", false}, // the defect: no '@'
		{"jamessmith@", false},         // the defect: no domain
		{"@gmail.com", false},
		{"james smith@gmail.com", false},
		{"jamessmith@gmail.com ", false},
		{"james@smith@gmail.com", false},
		{"jamessmith@gmail", false},
		{"", false},
	}
	ctx := context.Background()
	w, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.DB.Exec(`CREATE TABLE u (id BIGINT, email VARCHAR)`); err != nil {
		t.Fatal(err)
	}
	for i, tc := range cases {
		if _, err := w.DB.Exec(`INSERT INTO u VALUES (?, ?)`, i, tc.email); err != nil {
			t.Fatal(err)
		}
	}
	c, err := rules.Compile(rules.Target{Relation: "u", Columns: []rules.Column{{Name: "id", Type: "BIGINT"}, {Name: "email", Type: "VARCHAR"}}}, []rules.Rule{rule})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := w.DB.Query(fmt.Sprintf("SELECT u.id, v._violations::VARCHAR FROM (%s) v JOIN u ON u.rowid = v._row", c.Violations))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	broke := map[int]bool{}
	for rows.Next() {
		var id int
		var list string
		if err := rows.Scan(&id, &list); err != nil {
			t.Fatal(err)
		}
		broke[id] = list == "[email_format]"
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for i, tc := range cases {
		if broke[i] == tc.ok {
			t.Errorf("%q broke email_format: %v, want %v", tc.email, broke[i], !tc.ok)
		}
	}
}
