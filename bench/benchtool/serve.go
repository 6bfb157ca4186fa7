package main

import (
	"bufio"
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jobtobot/jtb/mockserver"
)

// bareHandler answers the listing and a bid with fixed bytes: what net/http
// alone costs for the same answers, the ceiling the mock is measured against.
type bareHandler struct {
	list, bid []byte
}

func (b bareHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body) // a real server reads the body too
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/tasks/available":
		answer(w, http.StatusOK, b.list)
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/tasks/") && strings.HasSuffix(r.URL.Path, "/bids"):
		answer(w, http.StatusCreated, b.bid)
	default:
		http.NotFound(w, r)
	}
}

func answer(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

func runBare(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("bare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	listFile := fs.String("list", "", "file with the listing body")
	bidFile := fs.String("bid", "", "file with the bid body")
	if err := fs.Parse(args); err != nil {
		return err
	}
	list, err := os.ReadFile(*listFile)
	if err != nil {
		return err
	}
	bid, err := os.ReadFile(*bidFile)
	if err != nil {
		return err
	}
	return serveUntilSignal(&http.Server{Addr: *addr, Handler: bareHandler{list: list, bid: bid}, ReadHeaderTimeout: 10 * time.Second})
}

// runProfile serves the mock the way jtb mock does (its server limits, a
// buffered request log) and pprof beside it, so a profile taken under wrk
// shows the real path.
func runProfile(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("profile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "the mock's listen address")
	pprofAddr := fs.String("pprof", "127.0.0.1:6060", "pprof listen address")
	logFile := fs.String("log", os.DevNull, "request log file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logw, err := os.Create(*logFile)
	if err != nil {
		return err
	}
	defer logw.Close()
	// jtb mock buffers its request log (flushed every 100 ms): an unbuffered
	// write per request would show in the profile where jtb mock has none.
	// The handler writes under its own lock; the buffer is flushed on exit.
	logbuf := bufio.NewWriter(logw)
	defer logbuf.Flush()
	m, err := mockserver.New(mockserver.Options{Logger: slog.New(slog.NewTextHandler(logbuf, nil))})
	if err != nil {
		return err
	}
	defer m.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ps := &http.Server{Addr: *pprofAddr, Handler: mux}
	go ps.ListenAndServe()
	defer ps.Close()
	srv := mockserver.NewServer(m, mockserver.DefaultLimits())
	srv.Addr = *addr
	return serveUntilSignal(srv)
}

func serveUntilSignal(srv *http.Server) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
