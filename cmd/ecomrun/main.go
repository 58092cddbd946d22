// Command ecomrun runs declarative pipelines for thelook_ecommerce-shaped data.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ecomrun/ecomrun/pkg/cli"
)

func main() { os.Exit(run()) }

// graceAfterSignal is how long a canceled command may take to stop by itself.
const graceAfterSignal = 10 * time.Second

// run executes the command line. The first SIGINT or SIGTERM cancels the run,
// which stops its stages, keeps the previous outputs and exits 130; a second one
// kills the process at once, as users expect of Ctrl-C pressed twice. What has not
// stopped graceAfterSignal later (a call that no cancellation reaches) is ended
// with 130 all the same: a signal always stops ecomrun, in CI too.
func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop()
		time.Sleep(graceAfterSignal)
		fmt.Fprintf(os.Stderr, "ecomrun: still running %v after the signal: exiting\n", graceAfterSignal)
		os.Exit(130)
	}()
	return cli.Execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
}
