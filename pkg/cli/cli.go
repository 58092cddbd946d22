// Package cli is ecomrun's command line: one file per verb, flags parsed into a
// struct before anything runs, and all rendering and exit codes here, so the
// library packages never print.
package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit codes.
const (
	ExitOK       = 0
	ExitFailed   = 1 // the run or a validation failed
	ExitUsage    = 2 // bad usage or spec errors
	ExitCanceled = 130
)

// Version is set at build time with -ldflags "-X github.com/ecomrun/ecomrun/pkg/cli.Version=...".
var Version = "dev"

// streams are where a command writes. errTTY says stderr is a terminal, where
// apply draws live progress bars instead of log lines.
type streams struct {
	out, err io.Writer
	errTTY   bool
}

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, s streams) int
}

var commands = []command{
	{"apply", "run a pipeline: extract, validate, load, sink", runApply},
	{"validate", "check specs without running them", runValidate},
	{"plan", "show what a spec will do, or what a change does (--against); nothing runs", runPlan},
	{"init", "print a first spec for a folder of files or a BigQuery dataset", runInit},
	{"models", "list each table's columns, types, key and rules (built-in and a spec's)", runModels},
	{"state", "show what the warehouse remembers between runs (watermarks, last runs)", runState},
	{"schema", "print the spec's JSON Schema", runSchema},
	{"version", "print the version (also: ecomrun --version)", runVersionFlags},
}

// Execute runs the command line and returns the process exit code.
func Execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	s := streams{out: stdout, err: stderr, errTTY: isTerminal(stderr)}
	if len(args) == 0 {
		usage(s.err)
		return ExitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		// Asked for, help is the output: stdout, exit 0 (as git, go and terraform do).
		usage(s.out)
		return ExitOK
	case "--version":
		return runVersion(ctx, nil, s)
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:], s)
		}
	}
	fmt.Fprintf(s.err, "ecomrun: unknown command %q\n\n", args[0])
	usage(s.err)
	return ExitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "ecomrun moves thelook_ecommerce-shaped data through extract -> validate -> load -> sink.")
	fmt.Fprintln(w, "\nUsage: ecomrun <command> [flags] [args]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'ecomrun <command> -h' for a command's flags.")
}

// runVersionFlags is the version verb: -h works on it as on every verb.
func runVersionFlags(ctx context.Context, args []string, s streams) int {
	fs := newFlags("version", "", s)
	rest, err := parse(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if len(rest) > 0 {
		fmt.Fprintf(s.err, "ecomrun version: takes no arguments (got %q)\n", rest[0])
		return ExitUsage
	}
	return runVersion(ctx, args, s)
}

// flagOutput is a flag set's output: the flag package's error messages go to
// stderr at once; the usage text is held until parse knows whether it was asked
// for (-h, --help: stdout, exit 0) or follows a mistake (stderr, exit 2).
type flagOutput struct {
	out, err io.Writer
	help     bytes.Buffer
}

func (o *flagOutput) Write(p []byte) (int, error) { return o.err.Write(p) }

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name, args string, s streams) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	o := &flagOutput{out: s.out, err: s.err}
	fs.SetOutput(o)
	fs.Usage = func() {
		fmt.Fprintf(&o.help, "Usage: ecomrun %s [flags] %s\n", name, args)
		fs.SetOutput(&o.help)
		fs.PrintDefaults()
		fs.SetOutput(o)
	}
	return fs
}

// parse parses flags anywhere among the arguments (flag stops at the first
// positional one, but users write "apply spec.yaml --report r.json").
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if o, ok := fs.Output().(*flagOutput); ok {
				w := o.err
				if errors.Is(err, flag.ErrHelp) {
					w = o.out
				}
				_, _ = o.help.WriteTo(w)
			}
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// parseExit maps a flag error to an exit code: -h is not a failure.
func parseExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	return ExitUsage
}

// oneOf checks a flag's value against its choices.
func oneOf(flagName, value string, choices ...string) error {
	for _, c := range choices {
		if value == c {
			return nil
		}
	}
	return fmt.Errorf("--%s must be one of %s, not %q", flagName, strings.Join(choices, ", "), value)
}
