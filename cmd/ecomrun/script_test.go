package main

import (
	"errors"
	"flag"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the golden files of failing cmp commands")

// asCLI makes the test binary act as ecomrun itself, for tests that drive a process.
const asCLI = "ECOMRUN_TEST_AS_CLI"

// TestMain lets scripts run "ecomrun" as a real subprocess of the test binary.
func TestMain(m *testing.M) {
	if os.Getenv(asCLI) == "1" {
		os.Exit(run())
	}
	testscript.Main(m, map[string]func(){
		"ecomrun": main,
	})
}

// TestScripts runs the CLI end to end: testdata/script/*.txtar.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits": exits, "scrub": scrub, "nocontrol": nocontrol,
		},
		Setup: func(env *testscript.Env) error {
			// Pipelines in this repository, for scripts that validate them as they are.
			wd, err := os.Getwd()
			if err != nil {
				return err
			}
			env.Setenv("REPO", wd+"/../..")
			return nil
		},
	})
}

// exits N CMD ARGS... runs a command and checks its exit code is exactly N;
// stdout and stderr stay available to the next commands, as after exec.
func exits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %q is not an exit code", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			ts.Fatalf("exits: %v", err)
		}
		got = exitErr.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// scrub FILE OUT copies FILE (or stdout, stderr) to OUT with the script's work
// folder written as the literal $WORK, so outputs that name paths under it can
// be compared with cmp against golden files that -update can rewrite (cmpenv
// cannot be updated).
func scrub(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: scrub FILE OUT")
	}
	text := strings.ReplaceAll(ts.ReadFile(args[0]), ts.Getenv("WORK"), "$WORK")
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(text), 0o644))
}

// nocontrol FILE... fails when a file (or stdout, stderr) holds a control
// character other than newline and tab: off a terminal, ecomrun's output is
// plain text for logs, with no escape sequences or carriage returns.
func nocontrol(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: nocontrol FILE...")
	}
	for _, name := range args {
		for i, line := range strings.Split(ts.ReadFile(name), "\n") {
			if j := strings.IndexFunc(line, func(r rune) bool { return r != '\t' && (r < 0x20 || r == 0x7f) || r >= 0x80 && r < 0xa0 }); j >= 0 {
				r, _ := utf8.DecodeRuneInString(line[j:])
				ts.Fatalf("%s:%d: control character %q in %q", name, i+1, r, line)
			}
		}
	}
}
