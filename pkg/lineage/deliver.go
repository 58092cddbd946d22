package lineage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// Delivery is bounded: each event gets a few tries with backoff; the first event
// that still fails stops delivery to that destination (the rest are counted, not
// tried, so a dead receiver costs one event's tries, not every event's); and
// Finish waits for what is queued at most until its deadline.
const (
	tries      = 3
	tryTimeout = 2 * time.Second
	firstPause = 100 * time.Millisecond
	queueSize  = 4096
)

// transport delivers one event, as JSON.
type transport interface {
	send(ctx context.Context, body []byte) error
	// where names the destination in warnings (no secret: the key is a header).
	where() string
}

// httpTransport POSTs each event to an OpenLineage endpoint (Marquez's
// api/v1/lineage, or any receiver), with the API key as a Bearer token.
type httpTransport struct {
	url, apiKey string
	client      *http.Client
}

// permanent is a refusal a retry cannot change (a 4xx other than 408 and 429).
type permanent struct{ error }

func (h *httpTransport) send(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return permanent{err}
	}
	req.Header.Set("Content-Type", "application/json")
	if h.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+h.apiKey)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode/100 == 2:
		return nil
	case resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests:
		return permanent{fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))}
	}
	return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))
}

func (h *httpTransport) where() string { return h.url }

// fileTransport appends each event as one line of JSON (NDJSON) to a file, as
// the OpenLineage clients' file transport does.
type fileTransport struct{ path string }

func (f *fileTransport) send(_ context.Context, body []byte) error {
	fh, err := os.OpenFile(f.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return permanent{err}
	}
	_, err = fh.Write(append(body, '\n'))
	return errors.Join(err, fh.Close())
}

func (f *fileTransport) where() string { return f.path }

// sender delivers events to one transport, in order, from its own goroutine, so
// a slow receiver never holds up a stage.
type sender struct {
	t      transport
	queue  chan []byte
	done   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc

	// Written by the sender's goroutine, read after done is closed.
	total, sent int
	err         error
	// overflow counts events that found the queue full (written by the enqueuer).
	mu       sync.Mutex
	overflow int
}

func newSender(t transport) *sender {
	ctx, cancel := context.WithCancel(context.Background())
	s := &sender{t: t, queue: make(chan []byte, queueSize), done: make(chan struct{}), ctx: ctx, cancel: cancel}
	go s.loop()
	return s
}

func (s *sender) enqueue(body []byte) {
	select {
	case s.queue <- body:
	default:
		s.mu.Lock()
		s.overflow++
		s.mu.Unlock()
	}
}

func (s *sender) loop() {
	defer close(s.done)
	for body := range s.queue {
		s.total++
		if s.err != nil {
			continue
		}
		if err := s.deliver(body); err != nil {
			s.err = err
			continue
		}
		s.sent++
	}
}

// deliver tries an event a few times, pausing 0.1 s, then 0.4 s.
func (s *sender) deliver(body []byte) error {
	pause := firstPause
	var err error
	for i := range tries {
		ctx, cancel := context.WithTimeout(s.ctx, tryTimeout)
		err = s.t.send(ctx, body)
		cancel()
		var p permanent
		if err == nil || errors.As(err, &p) || s.ctx.Err() != nil || i == tries-1 {
			break
		}
		select {
		case <-time.After(pause):
		case <-s.ctx.Done():
		}
		pause *= 4
	}
	if s.ctx.Err() != nil {
		return fmt.Errorf("no answer before the deadline")
	}
	return err
}

// close lets the queued events go until deadline, then stops what is in flight.
// It returns an error saying how many events were not delivered, and why.
func (s *sender) close(deadline time.Time) error {
	close(s.queue)
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case <-s.done:
	case <-timer.C:
		s.cancel()
		<-s.done
	}
	s.cancel()
	s.mu.Lock()
	total := s.total + s.overflow
	s.mu.Unlock()
	if s.sent == total {
		return nil
	}
	cause := s.err
	if cause == nil {
		cause = errors.New("no answer before the deadline")
		if s.overflow > 0 {
			cause = fmt.Errorf("%d events found the queue full", s.overflow)
		}
	}
	return fmt.Errorf("%d of %d events not delivered to %s: %w", total-s.sent, total, s.t.where(), cause)
}
