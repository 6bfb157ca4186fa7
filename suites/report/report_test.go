package report_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jobtobot/jtb/catalogue"
	"github.com/jobtobot/jtb/internal/hartest"
	"github.com/jobtobot/jtb/internal/version"
	"github.com/jobtobot/jtb/suites"
	"github.com/jobtobot/jtb/suites/report"
	"github.com/jobtobot/jtb/suites/results"
	"github.com/onsi/ginkgo/v2/types"
)

const clauses = `version: 1
seed: seed.txt
clauses:
  - {id: JTB-BID-001, level: MUST, area: BID, title: A bid is placed, seed: ["Place a bid on an open task."]}
  - {id: JTB-BID-002, level: SHOULD, area: BID, title: A bid is answered 201, reason: "our decision"}
  - {id: JTB-PRG-006, level: MUST, area: PRG, title: Progress by another agent is 403, seed: ["Not the assigned agent"]}
`

// hostile is what a target might send back to be shown in a report.
const hostile = `<script>alert(1)</script><img src=x onerror=alert(2)> | [a link](https://evil.example) **bold**`

func testRun(t testing.TB, strict bool) *report.Run {
	t.Helper()
	cat, err := catalogue.Parse([]byte(clauses))
	if err != nil {
		t.Fatal(err)
	}
	specs := types.SpecReports{
		{ContainerHierarchyTexts: []string{"Agent API conformance", "bids"}, LeafNodeType: types.NodeTypeIt,
			LeafNodeText: "[JTB-BID-001] places a bid", State: types.SpecStatePassed, RunTime: time.Millisecond},
		{ContainerHierarchyTexts: []string{"Agent API conformance", "bids"}, LeafNodeType: types.NodeTypeIt,
			LeafNodeText: "[JTB-BID-002] answers 201", State: types.SpecStateFailed, RunTime: time.Millisecond,
			Failure: types.Failure{Message: "expected 201, got 200: " + hostile}},
		{ContainerHierarchyTexts: []string{"Agent API conformance", "progress"}, LeafNodeType: types.NodeTypeIt,
			LeafNodeText: "[JTB-PRG-006] refuses another agent", State: types.SpecStateSkipped,
			Failure: types.Failure{Message: "needs a second agent: set --api-key-b"}},
	}
	model := results.Build(types.Report{SpecReports: specs, RunTime: 2 * time.Second}, cat, results.Options{})
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	return &report.Run{
		Model: model, Strict: strict, Started: start, Seed: 42,
		Tool: version.Info{Module: "github.com/jobtobot/jtb", Version: "v1.2.3", Go: "go1.26.8", Platform: "linux/amd64",
			Catalogue: version.Digest{File: "catalogue.yaml", SHA256: "17063885699b", Clauses: 3},
			AgentAPI:  version.Digest{File: "openapi.yaml", SHA256: "42fa0d1b9d9a"}, ControlAPI: version.Digest{File: "control-api.yaml", SHA256: "ccac5916eb62"}},
		Target:    report.Target{BaseURL: "https://staging.example", Control: "control API at https://staging.example/_control", APIKey: true},
		Selection: results.Selection{Suite: "JobToBot Agent API"},
		Exchanges: []suites.Captured{
			{Start: start, Duration: 1500 * time.Microsecond, API: "agent", As: "agent A", Spec: "[JTB-BID-002] answers 201 (bids)", Clause: "JTB-BID-002",
				Method: http.MethodPost, URL: "https://staging.example/v1/tasks/t1/bids?key=[REDACTED]&a=b%20c", Proto: "HTTP/1.1",
				RequestHeader: http.Header{"Authorization": {"Bearer [REDACTED]"}, "Content-Type": {"application/json"}},
				RequestBody:   []byte(`{"price":"10.00"}`), RequestSize: 17,
				Status: 200, ResponseHeader: http.Header{"Content-Type": {"application/json"}},
				ResponseBody: []byte(`{"ok":true,"note":"` + hostile + `"}`), ResponseSize: 5000},
			{Start: start, API: "agent", As: "no key", Phase: suites.PhasePreflight, Method: http.MethodGet,
				URL: "https://staging.example/v1/tasks/available", Proto: "HTTP/1.1", RequestHeader: http.Header{},
				Status: 200, ResponseHeader: http.Header{"Content-Type": {"application/octet-stream"}},
				ResponseBody: []byte{0xff, 0xfe, 0x00, 0x01}, ResponseSize: 4},
			{Start: start, API: "control", As: "control", Phase: suites.PhasePreflight, Method: http.MethodGet,
				URL: "https://staging.example/_control/capabilities", RequestHeader: http.Header{}, Err: "connection refused"},
		},
	}
}

func TestHTMLEscapesWhatATargetSent(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteHTML(&b, testRun(t, false)); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, raw := range []string{"<script", "<img", "onerror=alert(2)>"} {
		if strings.Contains(page, raw) {
			t.Errorf("the page holds %q unescaped", raw)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", `id="JTB-BID-002"`, `data-verdict="pass-with-warnings"`,
		"needs a second agent: set --api-key-b", "Place a bid on an open task.", "our decision", "1 of the 1 exchanges this spec made",
		"Content-Security-Policy", "default-src 'none'", "v1.2.3"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not hold %q", want)
		}
	}
}

func TestMarkdownEscapesWhatATargetSent(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteMarkdown(&b, testRun(t, true)); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, raw := range []string{"<script>", "[a link](", "**bold**", "| [a link"} {
		if strings.Contains(md, raw) {
			t.Errorf("the summary holds %q unescaped:\n%s", raw, md)
		}
	}
	for _, want := range []string{"## ❌ jtb check: FAIL", "Exit code **1**", "[JTB-BID-002](#jtb-bid-002) warn", "### JTB-BID-002", "fails the run"} {
		if !strings.Contains(md, want) {
			t.Errorf("the summary does not hold %q:\n%s", want, md)
		}
	}
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| bidding") && strings.Count(line, "|")-strings.Count(line, `\|`) != 9 {
			t.Errorf("a table row with %d cells' bars: %s", strings.Count(line, "|"), line)
		}
	}
}

func TestHARShape(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteHAR(&b, testRun(t, false)); err != nil {
		t.Fatal(err)
	}
	if err := hartest.Validate(b.Bytes()); err != nil {
		t.Fatalf("HAR 1.2 schema: %v", err)
	}
	var har struct {
		Log struct {
			Creator struct{ Name, Version, Comment string }
			Entries []struct {
				Comment string
				Request struct {
					URL         string
					QueryString []struct{ Name, Value string }
					PostData    *struct{ MimeType, Text string }
				}
				Response struct {
					Status   int
					BodySize int
					Error    string `json:"_error"`
					Content  struct {
						Size                              int
						MimeType, Text, Encoding, Comment string
					}
				}
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &har); err != nil {
		t.Fatal(err)
	}
	if len(har.Log.Entries) != 3 || har.Log.Creator.Version != "v1.2.3" || !strings.Contains(har.Log.Creator.Comment, "17063885699b") {
		t.Fatalf("creator %+v, %d entries", har.Log.Creator, len(har.Log.Entries))
	}
	bid, binary, refused := har.Log.Entries[0], har.Log.Entries[1], har.Log.Entries[2]
	if !strings.Contains(bid.Request.URL, "key=%5BREDACTED%5D") || len(bid.Request.QueryString) != 2 || bid.Request.QueryString[1].Value != "b c" {
		t.Errorf("url %q, query %+v", bid.Request.URL, bid.Request.QueryString)
	}
	if bid.Request.PostData == nil || bid.Request.PostData.Text != `{"price":"10.00"}` || bid.Request.PostData.MimeType != "application/json" {
		t.Errorf("postData %+v", bid.Request.PostData)
	}
	if !strings.Contains(bid.Comment, "[JTB-BID-002] answers 201 (bids)") || !strings.Contains(bid.Comment, "clause JTB-BID-002") {
		t.Errorf("comment %q", bid.Comment)
	}
	if bid.Response.Content.Size != 5000 || !strings.Contains(bid.Response.Content.Comment, "cut") {
		t.Errorf("a cut body: %+v", bid.Response.Content)
	}
	if binary.Response.Content.Encoding != "base64" || binary.Response.Content.Text != "//4AAQ==" || !strings.Contains(binary.Comment, "preflight") {
		t.Errorf("a binary body: %+v; comment %q", binary.Response.Content, binary.Comment)
	}
	if refused.Response.Status != 0 || refused.Response.Error != "connection refused" || !strings.Contains(refused.Comment, "no answer") {
		t.Errorf("no answer: %+v; comment %q", refused.Response, refused.Comment)
	}
}

func TestResultsDocument(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteResults(&b, testRun(t, true)); err != nil {
		t.Fatal(err)
	}
	var doc report.Results
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Verdict != results.VerdictFail || doc.ExitCode != 1 || doc.Seed != 42 || doc.Ran != 2 || doc.Total != 3 || len(doc.Clauses) != 3 {
		t.Fatalf("verdict %s, exit %d, seed %d, ran %d of %d, %d clauses", doc.Verdict, doc.ExitCode, doc.Seed, doc.Ran, doc.Total, len(doc.Clauses))
	}
	want := map[string]struct {
		outcome  results.Outcome
		failsRun bool
	}{"JTB-BID-001": {results.Pass, false}, "JTB-BID-002": {results.Warn, true}, "JTB-PRG-006": {results.Skip, false}}
	for _, c := range doc.Clauses {
		if w := want[c.ID]; c.Outcome != w.outcome || c.FailsRun != w.failsRun || len(c.Specs) != 1 {
			t.Errorf("%s: %s, fails the run %v, %d specs", c.ID, c.Outcome, c.FailsRun, len(c.Specs))
		}
	}
	if doc.ClauseCounts != (report.Counts{Pass: 1, Warn: 1, Skip: 1}) || doc.Target.BaseURL != "https://staging.example" || !doc.Target.APIKey {
		t.Errorf("clause counts %+v, target %+v", doc.ClauseCounts, doc.Target)
	}
}

// TargetOf says which secrets were set, never what they are, and hides a
// header value that looks secret.
func TestTargetOf(t *testing.T) {
	tgt := report.TargetOf(suites.Target{BaseURL: "https://s.example", APIKey: "jtb_live_k", ControlToken: "tok", Insecure: true,
		Headers: http.Header{"X-Api-Key": {"gw-1"}, "X-Env": {"eu"}}}, nil)
	data, _ := json.Marshal(tgt)
	for _, secret := range []string{"jtb_live_k", `"tok"`, "gw-1"} {
		if strings.Contains(string(data), secret) {
			t.Errorf("the target shows %s: %s", secret, data)
		}
	}
	if !tgt.APIKey || tgt.APIKeyB || !tgt.ControlToken || tgt.TLS != "not verified (--insecure)" || strings.Join(tgt.Headers, ";") != "X-Api-Key: [REDACTED];X-Env: eu" {
		t.Errorf("target %+v", tgt)
	}
}

func ExampleWriteMarkdown() {
	cat, _ := catalogue.Parse([]byte(clauses))
	model := results.Build(types.Report{SpecReports: types.SpecReports{
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "[JTB-BID-001] places a bid", State: types.SpecStatePassed},
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "[JTB-BID-002] answers 201", State: types.SpecStateFailed,
			Failure: types.Failure{Message: "expected 201, got 200"}},
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "[JTB-PRG-006] refuses another agent", State: types.SpecStatePassed},
	}}, cat, results.Options{})
	run := &report.Run{Model: model, Seed: 7,
		Tool:   version.Info{Version: "v1.2.3", Go: "go1.26.8", Platform: "linux/amd64", Catalogue: version.Digest{File: "catalogue.yaml", SHA256: "17063885699b", Clauses: 3}},
		Target: report.Target{BaseURL: "https://staging.example", Control: "control API at https://staging.example/_control"}}
	report.WriteMarkdown(os.Stdout, run)
	// Output:
	// ## ⚠️ jtb check: PASS with warnings
	//
	// Every MUST clause holds; SHOULD clauses warn: JTB-BID-002. Exit code **0**. 3 of 3 specs ran.
	//
	// Target `https://staging.example`; control API at https://staging.example/\_control; seed 7.
	// jtb v1.2.3, go1.26.8 linux/amd64, catalogue.yaml 3 clauses sha256:17063885699b.
	//
	// | area | level | pass | fail | warn | error | skip | clauses not passing |
	// | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |
	// | bidding | MUST | 1 | 0 | 0 | 0 | 0 |  |
	// | bidding | SHOULD | 0 | 0 | 1 | 0 | 0 | [JTB-BID-002](#jtb-bid-002) warn |
	// | progress | MUST | 1 | 0 | 0 | 0 | 0 |  |
	//
	// ### Clauses that did not pass
	//
	// ### JTB-BID-002
	//
	// **WARN** (SHOULD, bidding): A bid is answered 201
	//
	// > Our decision: our decision
	//
	// - expected 201, got 200
}
