// Command ecomrun runs declarative pipelines for thelook_ecommerce-shaped data.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ecomrun/ecomrun/pkg/cli"
)

func main() { os.Exit(run()) }

// run executes the command line. The first SIGINT or SIGTERM cancels the run,
// which stops its stages, keeps the previous outputs and exits 130; a second one
// kills the process at once, as users expect of Ctrl-C pressed twice.
func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop()
	}()
	return cli.Execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
}
