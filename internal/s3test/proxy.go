package s3test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
)

// Fault is what the proxy does with one request.
type Fault int

const (
	Forward     Fault = iota // pass it to the server
	Internal                 // answer 500 InternalError, as S3 does now and then
	Unavailable              // answer 503 SlowDown, as S3 does under load
	Drop                     // close the connection without an answer, as a server that stopped
	Stall                    // read the request, then hold the connection open and never answer
)

// Proxy forwards requests to an S3 server, and fails those a test chooses. It
// counts what it did, so a test can check that faults really happened.
type Proxy struct {
	*Server
	mu     sync.Mutex
	choose func(r *http.Request) Fault
	counts map[Fault]int
	held   []net.Conn // stalled connections, closed when the test ends
}

// NewProxy starts a proxy in front of target, stopped when the test ends.
func NewProxy(t testing.TB, target *Server) *Proxy {
	u, err := url.Parse(target.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{counts: map[Fault]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p.decide(r) {
		case Forward:
			rp.ServeHTTP(w, r)
		case Internal:
			fail(w, r, http.StatusInternalServerError, "InternalError")
		case Unavailable:
			fail(w, r, http.StatusServiceUnavailable, "SlowDown")
		case Drop:
			if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
				c.Close()
			}
		case Stall:
			_, _ = io.Copy(io.Discard, r.Body)
			if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
				p.mu.Lock()
				p.held = append(p.held, c)
				p.mu.Unlock()
			}
		}
	}))
	t.Cleanup(func() {
		p.mu.Lock()
		for _, c := range p.held {
			c.Close()
		}
		p.mu.Unlock()
		ts.Close()
	})
	p.Server = NewServer(ts.URL)
	return p
}

// SetFaults makes choose decide every request from now on; nil forwards them all.
func (p *Proxy) SetFaults(choose func(r *http.Request) Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.choose = choose
}

// Count returns how many requests got the fault.
func (p *Proxy) Count(f Fault) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[f]
}

func (p *Proxy) decide(r *http.Request) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := Forward
	if p.choose != nil {
		f = p.choose(r)
	}
	p.counts[f]++
	return f
}

// fail answers with an S3 error document, after reading the request as a server would.
func fail(w http.ResponseWriter, r *http.Request, status int, code string) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>`+code+`</Code><Message>injected by the test proxy</Message></Error>`)
}
