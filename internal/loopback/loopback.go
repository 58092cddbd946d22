// Package loopback helps tests run servers on this machine's loopback address.
package loopback

import (
	"net"
	"testing"
)

// FreePort returns a loopback port nothing listens on right now, for a server a
// test starts as a process of its own (moto, the BigQuery emulator) or for an
// address that refuses connections.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
