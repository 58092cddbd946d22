package dbsink

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/ecomrun/ecomrun/pkg/diag"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
	"github.com/ecomrun/ecomrun/pkg/stages"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

// extensionHost serves DuckDB's extensions; MotherDuck's is fetched from it on first use.
const extensionHost = "extensions.duckdb.org:443"

// serviceHost is MotherDuck's service, which ATTACH md: connects to.
const serviceHost = "api.motherduck.com:443"

// probeTimeout bounds how long a missing network may cost: a stalled extension
// download otherwise blocks for minutes and ignores cancellation.
const probeTimeout = 1500 * time.Millisecond

func init() {
	stages.RegisterSink("motherduck", "the tables in a MotherDuck database", newMotherDuck)
}

// motherDuckConfig is the motherduck sink's keys. The token is never printed:
// plans and reports leave it out (spec.Secret).
type motherDuckConfig struct {
	Database string      `json:"database" schema:"required,ref=identifier" example:"analytics" doc:"the database the tables are written to (attached as md:<database>)"`
	Token    spec.Secret `json:"token,omitempty" doc:"the access token, as ${VAR} from the environment; unset reads MOTHERDUCK_TOKEN. Never printed"`
}

var _ spec.SinkConfig = (*motherDuckConfig)(nil)

func (c *motherDuckConfig) Check(*spec.Block) diag.Diagnostics { return nil }
func (c *motherDuckConfig) Describe() string                   { return c.Database }

// Writes is each table in the database.
func (c *motherDuckConfig) Writes(tables []string) []spec.Output {
	var out []spec.Output
	for _, t := range tables {
		out = append(out, spec.Output{Key: "database", URL: "md:" + c.Database + "#main." + t})
	}
	return out
}

func newMotherDuck(s spec.Sink, c *motherDuckConfig) (stages.Sink, error) {
	token := c.Token.Reveal()
	if token == "" {
		token = os.Getenv("MOTHERDUCK_TOKEN")
	}
	t := &target{name: s.Name, alias: alias(s.Name), describe: "md:" + c.Database}
	t.attach = func(ctx context.Context, run *stages.Run) error {
		if token == "" {
			return errors.New("MotherDuck: no token: set MOTHERDUCK_TOKEN (or token: ${VAR} in the sink) to a MotherDuck access token")
		}
		if err := loadExtension(ctx, run); err != nil {
			return err
		}
		// ATTACH waits on the network as long as the extension likes: ask first.
		if err := probe(ctx, serviceHost); err != nil {
			return fmt.Errorf("MotherDuck is unreachable: %s does not answer (%v); run where there is network", serviceHost, err)
		}
		return attachMotherDuck(ctx, run.Warehouse.DB, c.Database, t.alias, token)
	}
	t.preflight = func(ctx context.Context, wh *warehouse.Warehouse) error { return preflightMotherDuck(ctx, wh, token) }
	return t, nil
}

// attachMu serializes setting the token and attaching: the setting is the
// database's, and two MotherDuck sinks with different tokens must each attach
// with their own.
var attachMu sync.Mutex

// attachMotherDuck attaches md:database with token. The token is given to
// DuckDB as a bound parameter of SET motherduck_token (the extension's setting),
// never as SQL text, and not through the process environment, which every child
// process would inherit and every concurrent sink would overwrite. ATTACH takes
// no parameters, and md:db?motherduck_token=... would put the token in the
// statement's text.
func attachMotherDuck(ctx context.Context, db *sql.DB, database, alias, token string) error {
	attachMu.Lock()
	defer attachMu.Unlock()
	// One connection for both statements, whatever the setting's scope.
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET motherduck_token = ?", token); err != nil {
		return fmt.Errorf("MotherDuck: set the token: %w", err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("ATTACH %s AS %s", sqlq.String("md:"+database), sqlq.Ident(alias))); err != nil {
		return fmt.Errorf("MotherDuck: cannot attach md:%s: %w (check the token and the network)", database, err)
	}
	return nil
}

// loadExtension loads MotherDuck's extension, installing it only when its host answers.
// This is the one place ecomrun lets DuckDB fetch an extension.
func loadExtension(ctx context.Context, run *stages.Run) error {
	var installed, loaded bool
	err := run.Warehouse.DB.QueryRowContext(ctx,
		"SELECT installed, loaded FROM duckdb_extensions() WHERE extension_name = 'motherduck'").Scan(&installed, &loaded)
	if err != nil && !errors.Is(err, context.Canceled) {
		installed, loaded = false, false
	}
	if loaded {
		return nil
	}
	if !installed {
		if err := probe(ctx, extensionHost); err != nil {
			return fmt.Errorf("MotherDuck is unreachable: its DuckDB extension is not installed and %s does not answer (%v); "+
				"run where there is network, or install the extension beforehand (duckdb -c 'INSTALL motherduck')", extensionHost, err)
		}
		if err := run.Warehouse.Exec(ctx, "INSTALL motherduck"); err != nil {
			return fmt.Errorf("MotherDuck: install its extension: %w", err)
		}
	}
	if err := run.Warehouse.Exec(ctx, "LOAD motherduck"); err != nil {
		return fmt.Errorf("MotherDuck: load its extension: %w", err)
	}
	return nil
}

// probe dials host within probeTimeout: whether the network reaches it at all.
func probe(ctx context.Context, host string) error {
	dialer := net.Dialer{Timeout: probeTimeout}
	conn, err := dialer.DialContext(ctx, "tcp", host)
	if err != nil {
		return err
	}
	return conn.Close()
}
