package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
)

// oneShot is an upstream that answers one request per connection and then
// closes it, without saying so (no Connection: close): a kept connection
// the proxy must not send the next call on. closed says when it did.
func oneShot(t *testing.T) (url string, closed <-chan struct{}) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	done := make(chan struct{}, 16)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			req, err := http.ReadRequest(bufio.NewReader(conn))
			if err == nil {
				body := `{"ok":false,"error":{"code":"CONFLICT","message":"already"}}`
				if req.Method == http.MethodGet {
					body = `{"ok":true,"data":{"items":[],"pagination":{"next_cursor":null,"has_more":false,"total_estimate":0}}}`
				}
				status := map[string]string{http.MethodGet: "200 OK", http.MethodPost: "409 Conflict"}[req.Method]
				fmt.Fprintf(conn, "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", status, len(body), body)
			}
			conn.Close()
			done <- struct{}{}
		}
	}()
	return "http://" + ln.Addr().String(), done
}

// A connection the upstream closed while it was kept is not used again:
// every call gets the upstream's answer, POSTs included (which are never
// sent twice).
func TestClosedKeptConnectionIsNotUsed(t *testing.T) {
	url, closed := oneShot(t)
	r := newRig(t, url, Options{})
	b := r.bot("jtb_live_x")
	b.http = &http.Client{} // keep-alive between the bot and the proxy
	for i := 0; i < 6; i++ {
		var got answer
		if i%2 == 0 {
			got = b.get("/v1/tasks/available")
		} else {
			got = b.send(http.MethodPost, "/v1/tasks/00000000-0000-4000-8000-000000000000/bids", bidBody(), fmt.Sprint("k", i))
		}
		if got.err != nil || got.header.Get("X-Jtb-Proxy") != "" || (got.status != http.StatusOK && got.status != http.StatusConflict) {
			t.Fatalf("call %d: %d %v %s", i, got.status, got.err, got.body)
		}
		<-closed
	}
	for _, f := range r.findings.list() {
		if f.Kind == KindResponse {
			t.Errorf("the proxy blamed the upstream for its own kept connection: %s", f.Line())
		}
	}
}

type countingTransport struct {
	http.RoundTripper
	n atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.RoundTripper.RoundTrip(r)
}

// A Transport given in the options carries the modelled calls too, with
// the same timeout.
func TestGivenTransportIsUsed(t *testing.T) {
	srv := hostile(t)
	tr := &countingTransport{RoundTripper: NewTransport()}
	r := newRig(t, srv.URL, Options{Transport: tr, Timeout: hangTimeout})
	if got := r.bot("jtb_live_x").get("/v1/tasks/available"); got.status != http.StatusOK {
		t.Fatalf("%d %s", got.status, got.body)
	}
	req, _ := http.NewRequest(http.MethodGet, r.URL+"/v1/tasks/available", nil)
	req.Header.Set("X-Mode", "hang")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGatewayTimeout || tr.n.Load() != 2 {
		t.Errorf("status %d after %d calls through the given transport", resp.StatusCode, tr.n.Load())
	}
}

// The deadline of a kept connection is not moved on every call (only when
// it would move by more than a thirtieth of the timeout), yet a call on
// it that the upstream never answers still ends in a timeout.
func TestKeptConnectionStillTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var conns atomic.Int64
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				for n := 0; ; n++ {
					if _, err := http.ReadRequest(br); err != nil {
						return
					}
					if n > 0 {
						io.Copy(io.Discard, br) // the second call: never answered
						return
					}
					fmt.Fprint(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
				}
			}()
		}
	}()
	u, _ := url.Parse("http://" + ln.Addr().String())
	c := newUpstreamClient(u)
	call := func() error {
		req, _ := http.NewRequest(http.MethodGet, u.String()+"/v1/tasks/available", nil)
		resp, err := c.do(context.Background(), req, hangTimeout)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return err
	}
	if err := call(); err != nil {
		t.Fatalf("first call: %v", err)
	}
	if err := call(); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a call the upstream never answers on a kept connection: %v, want a timeout", err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections: the second call did not reuse the kept one, so the test proves nothing", n)
	}
}
