package s3sink

import (
	"fmt"
	"runtime"
	"strings"
)

// panicError is a panic recovered in a goroutine of an upload: a bug in one upload
// fails its table, whose run's objects are then removed, instead of ending the
// process with no cleanup. The walker does the same for a stage's own goroutine,
// but cannot reach the goroutines a stage starts.
type panicError struct {
	value any
	site  string
}

func (e *panicError) Error() string {
	return fmt.Sprintf("internal error (a bug, please report it): %v [at %s]", e.value, e.site)
}

// recovered turns the value of recover() into a panicError. Call it from the
// deferred function that recovered, so the panicking frames are still on the stack.
func recovered(p any) error {
	return &panicError{value: p, site: panicSite()}
}

// panicSite names the innermost frame, outside the runtime, of the panic being
// recovered: one file:line, not the whole trace.
func panicSite() string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs)])
	inPanic := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			inPanic = true
		case inPanic && !strings.HasPrefix(f.Function, "runtime."):
			return fmt.Sprintf("%s:%d", f.File, f.Line)
		}
		if !more {
			return "unknown"
		}
	}
}
