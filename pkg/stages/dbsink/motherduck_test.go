package dbsink

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

// TestMotherDuckTokenStaysOutOfTheEnvironment attaches with a recognisable token
// on a real DuckDB without the MotherDuck extension (as offline): DuckDB refuses
// the setting, and neither the error nor the process environment holds the token.
func TestMotherDuckTokenStaysOutOfTheEnvironment(t *testing.T) {
	const token = "mdtok-RECOGNISABLE-7777"
	t.Setenv("motherduck_token", "")
	t.Setenv("MOTHERDUCK_TOKEN", "")
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = attachMotherDuck(context.Background(), db, "thelook", "_ecomrun_sink_cloud", token)
	if err == nil {
		t.Fatal("attaching md: without the extension should fail")
	}
	if !strings.Contains(err.Error(), "motherduck_token") || strings.Contains(err.Error(), token) {
		t.Errorf("the error should name the setting and not the token: %v", err)
	}
	for _, kv := range os.Environ() {
		if strings.Contains(kv, token) {
			t.Errorf("the token went into the process environment: %s", kv)
		}
	}
	// Nothing was attached, and the database still works.
	var n int
	if err := db.QueryRow("SELECT count(*) FROM duckdb_databases() WHERE database_name = '_ecomrun_sink_cloud'").Scan(&n); err != nil || n != 0 {
		t.Errorf("attached databases: %d, %v", n, err)
	}
}
