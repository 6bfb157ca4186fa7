package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

// runPlain is the baseline of the explore row: plain requests to the mock,
// one at a time over one kept-alive connection, as jtb explore sends its own
// (a listing page each). It prints a results line.
func runPlain(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("base", "", "the mock's base URL")
	key := fs.String("key", "", "an agent key")
	d := fs.Duration("d", 5*time.Second, "how long")
	round := fs.Int("round", 1, "the round, for the results line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	client := &http.Client{Timeout: 10 * time.Second}
	n, bad := 0, 0
	start := time.Now()
	for time.Since(start) < *d {
		req, err := http.NewRequest(http.MethodGet, *base+"/v1/tasks/available?limit=3", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+*key)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		n++
		if resp.StatusCode/100 != 2 {
			bad++
		}
	}
	us := time.Since(start).Microseconds()
	fmt.Fprintf(stdout, "run=explore server=plain round=%d requests=%d duration_us=%d non2xx=%d socket_errors=0\n", *round, n, us, bad)
	return nil
}
