package plandiff_test

// The plans diffed here have sinks, whose kinds register themselves from the
// packages that build them; this external test package links them into the
// test binary (see pkg/spec/kinds_test.go).
import _ "github.com/ecomrun/ecomrun/pkg/engine"
