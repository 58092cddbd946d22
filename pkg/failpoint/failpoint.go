// Package failpoint lets a test kill the process at a named point of a run, to
// prove that a run killed anywhere leaves every output at its previous complete
// state or its new one. It does nothing unless ECOMRUN_FAILPOINT names a point (or
// ECOMRUN_FAILPOINT_TRACE names a file to list the points a run passes).
package failpoint

import (
	"os"
	"syscall"
)

const (
	// Env names the point at which the process kills itself with SIGKILL.
	Env = "ECOMRUN_FAILPOINT"
	// TraceEnv names a file to which every point passed is appended, one a line, so
	// a test can kill a run at each point a run really has.
	TraceEnv = "ECOMRUN_FAILPOINT_TRACE"
)

var target, trace = os.Getenv(Env), os.Getenv(TraceEnv)

// Hit kills the process, as a power cut or an OOM kill would, when name is the
// point the environment asks for.
func Hit(name string) {
	if trace != "" {
		if f, err := os.OpenFile(trace, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err == nil {
			f.WriteString(name + "\n") // one short append: lines from concurrent stages stay whole
			f.Close()
		}
	}
	if target != "" && name == target {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
