package explore

import (
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/jobtobot/jtb/mockserver"
)

// frozenClock stands still: the built-in mock's time moves only when the
// explorer moves it through the control API, so the resubmit window can be
// probed at its exact boundary.
type frozenClock struct{ at time.Time }

func (c frozenClock) Now() time.Time { return c.at }

// Builtin is the reference mock served on a loopback port for an
// exploration without --base-url: the mock as jtb mock serves it (its
// fixtures, its control API), with defects if asked and a frozen clock.
type Builtin struct {
	URL  string
	Keys []string // the fixture agents' keys
	Mock *mockserver.Mock
	srv  *http.Server
	once sync.Once
}

// StartBuiltin starts the built-in mock.
func StartBuiltin(defects []string) (*Builtin, error) {
	m, err := mockserver.New(mockserver.Options{Defects: defects, Clock: frozenClock{at: mockserver.Epoch}})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		m.Close()
		return nil, err
	}
	b := &Builtin{URL: "http://" + ln.Addr().String(), Keys: m.AgentKeys(), Mock: m,
		srv: &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}}
	go b.srv.Serve(ln)
	return b, nil
}

// Options are exploration options aimed at this mock.
func (b *Builtin) Options() Options {
	return Options{BaseURL: b.URL, APIKeys: b.Keys, ExactClock: true, Keep: true}
}

// Close stops the mock.
func (b *Builtin) Close() {
	b.once.Do(func() {
		b.srv.Close()
		b.Mock.Close()
	})
}
