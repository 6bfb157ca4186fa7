package suites

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jobtobot/jtb/suites/results"
	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"
)

// hangingTargetEnv hands the child process the URL of the parent's target.
const hangingTargetEnv = "JTB_SUITES_HANGING_TARGET"

// cancelledMark is what the child prints when its spec timed out and the
// request in flight came back cancelled by the spec's context.
const cancelledMark = "REQUEST-CANCELLED-BY-THE-SPEC-TIMEOUT"

// A spec's timeout cancels its request in flight: the spec's SpecContext
// reaches the client. The target hangs; the client's own timeout is a
// minute; the spec's is 300ms. Ginkgo runs one suite per process, so the
// spec runs in a child process (this test binary again), which prints
// cancelledMark when the request returned with the context's error well
// before the client's timeout.
func TestSpecTimeoutCancelsTheRequestInFlight(t *testing.T) {
	if url := os.Getenv(hangingTargetEnv); url != "" {
		runHangingSpec(t, url)
		return
	}
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // until the client gives up, or the test ends
		case <-r.Context().Done():
		case <-done:
		}
	}))
	defer srv.Close()
	defer close(done)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSpecTimeoutCancelsTheRequestInFlight$")
	cmd.Env = append(os.Environ(), hangingTargetEnv+"="+srv.URL)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("the child did not end within 30s: the request was not cancelled\n%s", out)
	}
	if err != nil {
		t.Fatalf("the child failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), cancelledMark) {
		t.Fatalf("the child does not say its request was cancelled by the spec's timeout:\n%s", out)
	}
}

// timeoutRecorder is the testing.T Ginkgo wants; the child judges the
// report itself.
type timeoutRecorder struct{}

func (timeoutRecorder) Fail() {}

func runHangingSpec(t *testing.T, url string) {
	env, err := NewEnv(Target{BaseURL: url, APIKey: "jtb_live_test_key", Timeout: time.Minute}, nil)
	if err != nil {
		t.Fatal(err)
	}
	env.A = env.agent("agent A", "jtb_live_test_key") // no preflight: the target hangs
	s := &specs{env: env}
	Describe("a target that hangs", func() {
		s.it("JTB-AUTH-001", "waits for an answer", func() {
			get(env.A, "/v1/tasks/available")
		}, SpecTimeout(300*time.Millisecond), GracePeriod(5*time.Second))
	})
	var report Report
	ReportAfterSuite("the child's verdict", func(r Report) { report = r })
	RegisterFailHandler(FailHandler)
	start := time.Now()
	RunSpecs(timeoutRecorder{}, "hanging target")
	elapsed := time.Since(start)
	for _, sr := range report.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		var reason string
		for _, e := range sr.ReportEntries {
			if se, ok := e.GetRawValue().(results.SetupError); ok && e.Name == results.ErrorEntry {
				reason = se.Reason
			}
		}
		t.Logf("spec %s after %s; the request's error: %s", sr.State, elapsed, reason)
		if sr.State == types.SpecStateTimedout && (strings.Contains(reason, "spec timeout") || strings.Contains(reason, "context canceled")) && elapsed < 10*time.Second {
			os.Stdout.WriteString(cancelledMark + "\n")
		}
	}
}
