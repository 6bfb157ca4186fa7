package proxy

import (
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// HandlerTransport reaches an upstream that lives in this process (jtb
// proxy's own reference mock) by calling its handler, with no socket in
// between: a loopback hop would cost the proxy more CPU than the mock's
// whole answer (docs/PROXY.md, "Performance"). Answers stream: the
// response is handed back at the handler's first write or flush, so an
// event stream passes as it comes; the request's context ends the handler
// when the caller closes the body early.
func HandlerTransport(h http.Handler) http.RoundTripper { return handlerTransport{h} }

type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	in := r.Clone(r.Context())
	if in.Body == nil {
		in.Body = http.NoBody
	}
	if in.Host == "" {
		in.Host = r.URL.Host
	}
	in.RequestURI = r.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:0" // the proxy itself
	pr, pw := io.Pipe()
	w := &pipeWriter{header: http.Header{}, body: pw, reader: pr, ready: make(chan *http.Response, 1), req: r}
	go func() {
		defer func() {
			w.SetWriteDeadline(time.Time{}) // stops its timer
			if v := recover(); v != nil && v != http.ErrAbortHandler {
				w.abort()
				pw.CloseWithError(io.ErrUnexpectedEOF)
				return
			}
			w.commit()
			pw.Close()
		}()
		t.h.ServeHTTP(w, in)
	}()
	select {
	case resp := <-w.ready:
		resp.Body = &pipeBody{PipeReader: pr}
		return resp, nil
	case <-r.Context().Done():
		pr.CloseWithError(r.Context().Err())
		return nil, r.Context().Err()
	}
}

// pipeWriter is the handler's ResponseWriter: headers until the first
// write, then the body through a pipe to the caller.
type pipeWriter struct {
	header http.Header
	body   *io.PipeWriter
	reader *io.PipeReader // closed at a write deadline, which fails the blocked write
	ready  chan *http.Response
	req    *http.Request

	once   sync.Once
	status int

	mu    sync.Mutex
	timer *time.Timer // the write deadline, when one is set
}

func (w *pipeWriter) Header() http.Header { return w.header }

func (w *pipeWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 { // 1xx informational answers are not relayed
		w.status = code
	}
}

func (w *pipeWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.commit()
	return w.body.Write(p)
}

// Flush hands the response over now (event streams).
func (w *pipeWriter) Flush() { w.commit() }

// commit hands the response to the caller, once.
func (w *pipeWriter) commit() {
	w.once.Do(func() {
		if w.status == 0 {
			w.status = http.StatusOK
		}
		w.ready <- &http.Response{
			Status: http.StatusText(w.status), StatusCode: w.status,
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: w.header.Clone(), ContentLength: -1, Request: w.req,
		}
	})
}

// SetWriteDeadline is what a socket's would be: a write still blocked at
// the deadline (the caller stopped reading) fails, and so does every
// later one. http.ResponseController finds it.
func (w *pipeWriter) SetWriteDeadline(t time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	switch d := time.Until(t); {
	case t.IsZero():
	case d <= 0:
		w.reader.CloseWithError(os.ErrDeadlineExceeded)
	default:
		w.timer = time.AfterFunc(d, func() { w.reader.CloseWithError(os.ErrDeadlineExceeded) })
	}
	return nil
}

// SetReadDeadline has nothing to do: the request body is already in memory
// or a pipe of the caller's.
func (w *pipeWriter) SetReadDeadline(time.Time) error { return nil }

// abort is a handler that panicked before answering: a 500 is what a
// server would have sent.
func (w *pipeWriter) abort() {
	if w.status == 0 {
		w.status = http.StatusInternalServerError
	}
	w.commit()
}

// pipeBody closes the pipe's read side, which makes the handler's next
// write fail, so an abandoned stream ends.
type pipeBody struct{ *io.PipeReader }

func (b *pipeBody) Close() error { return b.PipeReader.CloseWithError(io.ErrClosedPipe) }
