// Package failpoint lets a test kill the process at a named point of a run, to
// prove that a run killed anywhere leaves every output at its previous complete
// state or its new one. It does nothing unless ECOMRUN_FAILPOINT names a point (or
// ECOMRUN_FAILPOINT_TRACE names a file to list the points a run passes).
package failpoint

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
)

const (
	// Env names the point at which the process kills itself with SIGKILL: "name"
	// at the point's first passage, "name#k" at its k-th. A point such as
	// atomicdir.exchange is passed once per table and sink, so only the count
	// reaches its later passages.
	Env = "ECOMRUN_FAILPOINT"
	// TraceEnv names a file to which every point passed is appended, one a line, so
	// a test can kill a run at each passage of each point a run really has.
	TraceEnv = "ECOMRUN_FAILPOINT_TRACE"
)

var (
	target, nth = Parse(os.Getenv(Env))
	trace       = os.Getenv(TraceEnv)
	passed      atomic.Int64 // passages of target so far
)

// Parse splits a value of Env into the point's name and the passage to kill at
// (1, the first, unless the value ends in "#k" with k a positive number).
func Parse(v string) (name string, k int64) {
	if i := strings.LastIndexByte(v, '#'); i >= 0 {
		if n, err := strconv.ParseInt(v[i+1:], 10, 64); err == nil && n > 0 {
			return v[:i], n
		}
	}
	return v, 1
}

// Hit kills the process, as a power cut or an OOM kill would, when name is the
// point the environment asks for and this is the passage it asks for. Passages
// that run at once (tables written in parallel) are counted in the order they
// reach Hit.
func Hit(name string) {
	if trace != "" {
		if f, err := os.OpenFile(trace, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err == nil {
			f.WriteString(name + "\n") // one short append: lines from concurrent stages stay whole
			f.Close()
		}
	}
	if target != "" && name == target && passed.Add(1) == nth {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
