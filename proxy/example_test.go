package proxy_test

import (
	"fmt"
	"time"

	"github.com/jobtobot/jtb/proxy"
)

func ExampleParseFaults() {
	f, err := proxy.ParseFaults("lost-response=0.05,5xx=0.02,delay=200ms,429=0.01")
	if err != nil {
		panic(err)
	}
	fmt.Println(f)
	_, err = proxy.ParseFaults("5xx=0.7,429=0.5")
	fmt.Println(err)
	// Output:
	// lost-response=0.05,5xx=0.02,429=0.01,delay=200ms,retry-after=1s
	// faults: lost-response, 5xx and 429 add up to 1.2; at most 1
}

func ExampleFinding_Line() {
	f := proxy.Finding{
		Time: time.Date(2026, 3, 1, 12, 0, 1, 0, time.UTC), Kind: proxy.KindAgent, Severity: proxy.Error,
		Rule: "agent/retry-new-key", Clause: "JTB-IDEM-001", Operation: "createBid", Agent: "agent#1",
		Message:  "a retry of createBid (its answer was lost (injected fault)) with a new Idempotency-Key",
		Exchange: proxy.Exchange{Method: "POST", Path: "/v1/tasks/550e8400-e29b-41d4-a716-446655440000/bids", Fault: "lost-response"},
	}
	fmt.Println(f.Line())
	// Output:
	// 12:00:01.000 error   agent/retry-new-key [JTB-IDEM-001] agent#1 POST /v1/tasks/550e8400-e29b-41d4-a716-446655440000/bids -> (no answer) (fault lost-response): a retry of createBid (its answer was lost (injected fault)) with a new Idempotency-Key
}
