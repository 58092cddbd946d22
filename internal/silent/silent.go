// Package silent starts, for tests, a loopback server that accepts connections and
// never answers: what a dead proxy or a hung endpoint looks like to a client, for
// proving that every network call has a deadline.
package silent

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Server listens on loopback until the test ends and returns its host:port. With
// read set it reads (and discards) what it is sent, else it reads nothing.
func Server(t testing.TB, read bool) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			if read {
				go func() { _, _ = io.Copy(io.Discard, c) }()
			}
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}
