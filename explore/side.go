package explore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/jobtobot/jtb/suites"
)

// request is one HTTP request as a side sends it: the target over the
// network, the model in process.
type request struct {
	Method  string
	Path    string // with the query
	Control bool   // to the control API (its own base URL and token)
	Auth    string // the Authorization value; "" sends none
	Header  map[string]string
	Body    []byte
	As      string // who is calling, for people
}

// Exchange is a request and its answer, as one side saw them.
type Exchange struct {
	Method string      `json:"method"`
	Path   string      `json:"path"`
	As     string      `json:"as"`
	Key    string      `json:"idempotencyKey,omitempty"`
	Sent   []byte      `json:"-"`
	Status int         `json:"status"`
	Header http.Header `json:"-"`
	Body   []byte      `json:"-"`
	Err    string      `json:"error,omitempty"` // the request got no answer

	err     error // Err's error
	decoded *answer
}

// side is where requests go.
type side interface {
	do(ctx context.Context, r request) *Exchange
}

// maxAnswer caps what is read of an answer: none of the contract's comes near.
const maxAnswer = 4 << 20

// httpSide is a target over HTTP.
type httpSide struct {
	client       *http.Client
	base         string // the Agent API, no trailing slash
	control      string // the origin serving /_control/...
	controlToken string
	header       http.Header // on every request (Target.Headers), before the request's own
	secrets      []string    // the target's (suites.Target.Secrets)
}

// newHTTPSide reaches t through transport (t.Transport: its TLS settings).
func newHTTPSide(t suites.Target, transport *http.Transport) *httpSide {
	transport.MaxIdleConnsPerHost = 16 // concurrent groups and workers reuse warm connections
	return &httpSide{
		client:       &http.Client{Timeout: t.Timeout, Transport: transport},
		base:         strings.TrimRight(t.BaseURL, "/"),
		control:      strings.TrimRight(t.ControlURL, "/"),
		controlToken: t.ControlToken,
		header:       t.Headers,
		secrets:      t.Secrets(),
	}
}

func (s *httpSide) do(ctx context.Context, r request) *Exchange {
	x := &Exchange{Method: r.Method, Path: r.Path, As: r.As, Sent: r.Body, Key: r.Header["Idempotency-Key"]}
	base := s.base
	if r.Control {
		base = s.control
	}
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, base+r.Path, body)
	if err != nil {
		x.Err, x.err = err.Error(), err
		return x
	}
	for k, v := range s.header {
		req.Header[k] = v
	}
	if r.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.Header {
		req.Header[k] = []string{v}
	}
	auth := r.Auth
	if r.Control && s.controlToken != "" {
		auth = "Bearer " + s.controlToken
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		x.Err, x.err = err.Error(), err
		return x
	}
	defer resp.Body.Close()
	data, err := readAnswer(resp.Body, resp.ContentLength)
	if err != nil {
		x.Err = fmt.Sprintf("reading the answer (%d): %v", resp.StatusCode, err)
		return x
	}
	x.Status, x.Header, x.Body = resp.StatusCode, resp.Header, data
	return x
}

// readAnswer reads an answer of the announced size (-1: unknown) in one
// buffer, at most maxAnswer.
func readAnswer(r io.Reader, size int64) ([]byte, error) {
	if size < 0 || size > maxAnswer {
		size = 512
	}
	r = io.LimitReader(r, maxAnswer)
	buf := make([]byte, 0, size+1) // + 1: the read that sees EOF needs room
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// handlerSide calls an http.Handler directly: the model, with no socket in
// between.
type handlerSide struct {
	h http.Handler
}

func (s handlerSide) do(ctx context.Context, r request) *Exchange {
	x := &Exchange{Method: r.Method, Path: r.Path, As: r.As, Sent: r.Body, Key: r.Header["Idempotency-Key"]}
	var body io.Reader = http.NoBody
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, "http://model"+r.Path, body)
	if err != nil {
		x.Err = err.Error()
		return x
	}
	req.RequestURI = r.Path
	if r.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.Header {
		req.Header[k] = []string{v}
	}
	if r.Auth != "" {
		req.Header.Set("Authorization", r.Auth)
	}
	w := &recorder{header: http.Header{}}
	s.h.ServeHTTP(w, req)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	x.Status, x.Header, x.Body = w.status, w.header, w.body.Bytes()
	return x
}

// recorder is the least an http.ResponseWriter needs to be.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(p)
}
