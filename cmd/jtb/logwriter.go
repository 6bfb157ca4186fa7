package main

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// flushingWriter buffers writes and flushes them on every tick and on Close.
type flushingWriter struct {
	mu     sync.Mutex
	w      *bufio.Writer
	ticker *time.Ticker
	stop   chan struct{}
	done   chan struct{}
}

// newFlushingWriter flushes to w whenever ticker ticks, until Close, which
// stops the ticker.
func newFlushingWriter(w io.Writer, ticker *time.Ticker) *flushingWriter {
	f := &flushingWriter{w: bufio.NewWriterSize(w, 64<<10), ticker: ticker, stop: make(chan struct{}), done: make(chan struct{})}
	go f.loop()
	return f
}

func (f *flushingWriter) loop() {
	defer close(f.done)
	for {
		select {
		case <-f.ticker.C:
			f.Flush()
		case <-f.stop:
			return
		}
	}
}

func (f *flushingWriter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.w.Write(p)
}

// Flush writes out what is buffered.
func (f *flushingWriter) Flush() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.w.Flush()
}

// Close stops the flushing and writes out the rest.
func (f *flushingWriter) Close() error {
	f.ticker.Stop()
	close(f.stop)
	<-f.done
	return f.Flush()
}
