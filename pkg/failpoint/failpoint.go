// Package failpoint lets a test kill the process at a named point of a run, to
// prove that a run killed anywhere leaves every output at its previous complete
// state or its new one. It does nothing unless ECOMRUN_FAILPOINT names a point.
package failpoint

import (
	"os"
	"syscall"
)

// Env names the point at which the process kills itself with SIGKILL.
const Env = "ECOMRUN_FAILPOINT"

var target = os.Getenv(Env)

// Hit kills the process, as a power cut or an OOM kill would, when name is the
// point the environment asks for.
func Hit(name string) {
	if target != "" && name == target {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
