package spec_test

// The kinds register themselves from the packages that build their stages, which
// import spec: only an external test package may import them. It is linked into
// the same test binary as spec's own tests, so those load specs with every kind.
import _ "github.com/ecomrun/ecomrun/pkg/engine"
