// Command ecomrun runs declarative pipelines for thelook_ecommerce-shaped data.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ecomrun/ecomrun/pkg/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
