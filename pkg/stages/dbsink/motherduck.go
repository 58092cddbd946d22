package dbsink

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

// extensionHost serves DuckDB's extensions; MotherDuck's is fetched from it on first use.
const extensionHost = "extensions.duckdb.org:443"

// probeTimeout bounds how long a missing network may cost: a stalled extension
// download otherwise blocks for minutes and ignores cancellation.
const probeTimeout = 1500 * time.Millisecond

func newMotherDuck(s spec.Sink) (stages.Sink, error) {
	token := s.Token.Reveal()
	if token == "" {
		token = os.Getenv("MOTHERDUCK_TOKEN")
	}
	t := &target{name: s.Name, alias: alias(s.Name), describe: "md:" + s.Database}
	t.attach = func(ctx context.Context, run *stages.Run) error {
		if token == "" {
			return errors.New("MotherDuck: no token: set MOTHERDUCK_TOKEN (or token: ${VAR} in the sink) to a MotherDuck access token")
		}
		if err := loadExtension(ctx, run); err != nil {
			return err
		}
		// The extension reads its token from the environment, so the token never enters SQL text.
		if err := os.Setenv("motherduck_token", token); err != nil {
			return err
		}
		if err := run.Warehouse.Exec(ctx, fmt.Sprintf("ATTACH %s AS %s", sqlq.String("md:"+s.Database), sqlq.Ident(t.alias))); err != nil {
			return fmt.Errorf("MotherDuck: cannot attach md:%s: %w (check the token and the network)", s.Database, err)
		}
		return nil
	}
	return t, nil
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
		dialer := net.Dialer{Timeout: probeTimeout}
		conn, err := dialer.DialContext(ctx, "tcp", extensionHost)
		if err != nil {
			return fmt.Errorf("MotherDuck is unreachable: its DuckDB extension is not installed and %s does not answer (%v); "+
				"run where there is network, or install the extension beforehand (duckdb -c 'INSTALL motherduck')", extensionHost, err)
		}
		conn.Close()
		if err := run.Warehouse.Exec(ctx, "INSTALL motherduck"); err != nil {
			return fmt.Errorf("MotherDuck: install its extension: %w", err)
		}
	}
	if err := run.Warehouse.Exec(ctx, "LOAD motherduck"); err != nil {
		return fmt.Errorf("MotherDuck: load its extension: %w", err)
	}
	return nil
}
