package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// runPlain is the baseline of the explore rows: plain requests to the mock
// (a listing page each), one at a time on each of -c kept-alive connections,
// as jtb explore's -c programs at once send their own. It prints a results
// line; its server is "plain", or "plainN" for N connections.
func runPlain(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("base", "", "the mock's base URL")
	key := fs.String("key", "", "an agent key")
	d := fs.Duration("d", 5*time.Second, "how long")
	round := fs.Int("round", 1, "the round, for the results line")
	conns := fs.Int("c", 1, "connections, each sending one request at a time")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *conns < 1 {
		return fmt.Errorf("-c %d: at least one connection", *conns)
	}
	type tally struct {
		n, bad int
		err    error
	}
	tallies := make([]tally, *conns)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range tallies {
		wg.Add(1)
		go func(t *tally) {
			defer wg.Done()
			t.n, t.bad, t.err = plainRequests(*base, *key, start.Add(*d))
		}(&tallies[i])
	}
	wg.Wait()
	us := time.Since(start).Microseconds()
	n, bad := 0, 0
	for _, t := range tallies {
		if t.err != nil {
			return t.err
		}
		n, bad = n+t.n, bad+t.bad
	}
	server := "plain"
	if *conns > 1 {
		server = fmt.Sprintf("plain%d", *conns)
	}
	fmt.Fprintf(stdout, "run=explore server=%s round=%d requests=%d duration_us=%d non2xx=%d socket_errors=0\n", server, *round, n, us, bad)
	return nil
}

// plainRequests sends listing requests one at a time on a client of its own
// (one kept-alive connection) until the deadline.
func plainRequests(base, key string, deadline time.Time) (n, bad int, err error) {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	for time.Now().Before(deadline) {
		req, err := http.NewRequest(http.MethodGet, base+"/v1/tasks/available?limit=3", nil)
		if err != nil {
			return n, bad, err
		}
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := client.Do(req)
		if err != nil {
			return n, bad, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		n++
		if resp.StatusCode/100 != 2 {
			bad++
		}
	}
	return n, bad, nil
}
