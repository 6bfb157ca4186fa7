package proxy

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jobtobot/jtb/mockserver"
)

func TestCleanListingHasNoFinding(t *testing.T) {
	r := mockRig(t, mockserver.Options{}, Options{})
	a := r.bot(r.keys[0])
	for _, q := range []string{"", "?limit=5", "?limit=100&category=coding"} {
		got := a.get("/v1/tasks/available" + q)
		if got.status != http.StatusOK {
			t.Fatalf("listing%s: %d %s", q, got.status, got.body)
		}
	}
	r.expectNone("clean listings")
}

// The proxy forwards the call unchanged and relays the answer unchanged:
// what the agent gets through it is byte for byte what the mock answers
// directly.
func TestForwardsUnchanged(t *testing.T) {
	r := mockRig(t, mockserver.Options{}, Options{})
	direct := &bot{t: t, base: r.mock.URL, key: r.keys[0], http: http.DefaultClient}
	via := r.bot(r.keys[0])
	want, got := direct.get("/v1/tasks/available?limit=3"), via.get("/v1/tasks/available?limit=3")
	if got.status != want.status || !bytes.Equal(got.body, want.body) {
		t.Fatalf("through the proxy: %d %s\ndirect: %d %s", got.status, got.body, want.status, want.body)
	}
	if got.header.Get("Content-Type") != want.header.Get("Content-Type") {
		t.Errorf("Content-Type %q, direct %q", got.header.Get("Content-Type"), want.header.Get("Content-Type"))
	}

	// Headers reach the upstream as sent: an echoing upstream shows them.
	var seen http.Header
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		seen = req.Header.Clone()
		seen.Set("X-Path", req.URL.RequestURI())
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true,"data":{"items":[],"pagination":{"next_cursor":null,"has_more":false,"total_estimate":0}}}`))
	}))
	defer echo.Close()
	e := newRig(t, echo.URL+"/prefix", Options{})
	for _, q := range []string{"?limit=2&category=a%20b", ""} { // no limit: the default is not added
		req, _ := http.NewRequest(http.MethodGet, e.URL+"/v1/tasks/available"+q, nil)
		req.Header.Set("Authorization", "Bearer jtb_live_echo")
		req.Header.Set("X-Custom", "kept")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if seen.Get("Authorization") != "Bearer jtb_live_echo" || seen.Get("X-Custom") != "kept" ||
			seen.Get("X-Path") != "/prefix/v1/tasks/available"+q || seen.Get("X-Forwarded-For") != "" {
			t.Errorf("the upstream saw %v", seen)
		}
	}
	e.expectNone("clean listings to an echo")
}

func TestBidWithPriceAsStringIsARequestFinding(t *testing.T) {
	r := mockRig(t, mockserver.Options{}, Options{})
	task := r.newTask()
	got := r.bot(r.keys[0]).send(http.MethodPost, "/v1/tasks/"+task+"/bids",
		map[string]any{"proposedPrice": "12.50", "coverLetter": "I can do it."}, "k-1")
	if got.status != http.StatusBadRequest {
		t.Fatalf("the mock answered %d %s, want 400", got.status, got.body)
	}
	// BidRequest is inferred as a whole (x-jtb-inferred: the seed shows
	// the body but states no rule), so by the two-tier rule this is a warning.
	f := r.expectRule(ruleRequestSchema, Warning, "proposedPrice")
	if f.Kind != KindRequest || f.Operation != "createBid" || f.Clause != "JTB-BID-008" || f.Exchange.Status != 400 {
		t.Errorf("finding %+v", f)
	}
}

// Parameters that break only inferred limits are warnings of their
// clauses; the relaxed copy's parameters take any string.
func TestInferredParameterIsAWarning(t *testing.T) {
	r := mockRig(t, mockserver.Options{}, Options{})
	b := r.bot(r.keys[0])
	b.get("/v1/tasks/available?limit=abc")
	if f := r.expectRule(ruleRequestSchema, Warning, `"limit"`); f.Clause != "JTB-PAG-005" {
		t.Errorf("clause %s, want JTB-PAG-005", f.Clause)
	}
	r.findings.reset()
	b.send(http.MethodPost, "/v1/tasks/"+r.newTask()+"/bids", bidBody(), strings.Repeat("k", 300))
	if f := r.expectRule(ruleRequestSchema, Warning, "Idempotency-Key"); f.Clause != "JTB-IDEM-006" {
		t.Errorf("clause %s, want JTB-IDEM-006", f.Clause)
	}
}

func TestRequestBreakingTheSeedIsAnError(t *testing.T) {
	r := mockRig(t, mockserver.Options{}, Options{})
	task := r.newTask()
	r.bot(r.keys[0]).send(http.MethodPost, "/v1/tasks/"+task+"/bids", []byte(`{"proposedPrice": 12.5,`), "k-1")
	f := r.expectRule(ruleRequestSchema, Error, "request body")
	if f.Clause != "JTB-ENV-010" {
		t.Errorf("clause %s, want JTB-ENV-010", f.Clause)
	}
	r.findings.reset()
	r.bot("").get("/v1/tasks/available")
	r.expectRule(ruleRequestAuth, Error, "Authorization")
}

func TestPostWithoutIdempotencyKeyIsAnAgentFinding(t *testing.T) {
	r := mockRig(t, mockserver.Options{}, Options{})
	a := r.bot(r.keys[0])
	task := r.newTask()
	if got := a.send(http.MethodPost, "/v1/tasks/"+task+"/bids", bidBody(), ""); got.status != http.StatusCreated {
		t.Fatalf("bid: %d %s", got.status, got.body)
	}
	f := r.expectRule(ruleNoKey, Warning, "Idempotency-Key")
	if f.Kind != KindAgent || f.Agent != "agent#1" || f.Operation != "createBid" {
		t.Errorf("finding %+v", f)
	}
	// Once per agent and operation.
	a.send(http.MethodPost, "/v1/tasks/"+r.newTask()+"/bids", bidBody(), "")
	if n := len(r.findings.byRule(ruleNoKey)); n != 1 {
		t.Errorf("%d findings of %s, want 1", n, ruleNoKey)
	}
}

func TestPriceAsNumberIsAResponseFinding(t *testing.T) {
	r := mockRig(t, mockserver.Options{Defects: []string{"price-as-number"}}, Options{})
	r.bot(r.keys[0]).get("/v1/tasks/available?limit=3")
	f := r.expectRule(ruleResponseSchema, Error, "price")
	if f.Kind != KindResponse || f.Clause != "JTB-PAG-011" || f.Operation != "listAvailableTasks" {
		t.Errorf("finding %+v", f)
	}
	// The answer still reaches the agent as the mock sent it.
	got := r.bot(r.keys[0]).get("/v1/tasks/available?limit=1")
	var page struct {
		Items []map[string]any `json:"items"`
	}
	got.data(t, &page)
	if _, isNumber := page.Items[0]["price"].(float64); !isNumber {
		t.Errorf("the relayed answer's price is %T, want the mock's number", page.Items[0]["price"])
	}
}

var createdAtZ = regexp.MustCompile(`("createdAt":"[^"]*)Z"`)

// A departure from an inferred part of an answer only is a warning of
// JTB-ENV-009, as in jtb check.
func TestInferredDepartureOfAnAnswerIsAWarning(t *testing.T) {
	ts := mockserver.NewTestServer(t, mockserver.Options{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec := httptest.NewRecorder()
		ts.Mock.ServeHTTP(rec, req)
		body := rec.Body.Bytes()
		if strings.HasSuffix(req.URL.Path, "/bids") {
			body = createdAtZ.ReplaceAll(body, []byte(`$1+00:00"`))
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write(body)
	}))
	defer up.Close()
	r := newRig(t, up.URL, Options{})
	task := r.newTask()
	r.bot(ts.AgentKeys[0]).send(http.MethodPost, "/v1/tasks/"+task+"/bids", bidBody(), "k-1")
	f := r.expectRule(ruleResponseSchema, Warning, "createdAt")
	if f.Clause != "JTB-ENV-009" {
		t.Errorf("clause %s, want JTB-ENV-009", f.Clause)
	}
}

// Every rule names a clause the catalogue holds, and the docs list every rule.
func TestRulesAndDocs(t *testing.T) {
	rules, err := bindRules()
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != len(Rules()) {
		t.Fatalf("%d rules bound, %d declared: an ID is used twice", len(rules), len(Rules()))
	}
	for _, r := range Rules() {
		if r.Kind == KindSequence && rules[r.ID].Severity != r.Severity {
			t.Errorf("%s: the table says %s, the catalogue's level of %s makes it %s", r.ID, r.Severity, r.Clause, rules[r.ID].Severity)
		}
		if !strings.HasPrefix(r.ID, string(r.Kind)+"/") {
			t.Errorf("%s: the ID does not start with its kind %s", r.ID, r.Kind)
		}
	}
	doc := readDoc(t)
	for _, r := range Rules() {
		if !strings.Contains(doc, "`"+r.ID+"`") {
			t.Errorf("docs/PROXY.md does not list rule %s", r.ID)
		}
	}
}

func TestFindingJSON(t *testing.T) {
	f := Finding{Kind: KindAgent, Severity: Error, Rule: ruleRetryNewKey, Operation: "createBid", Clause: "JTB-IDEM-001",
		Message: "m", Agent: "agent#1", Exchange: Exchange{Method: "POST", Path: "/v1/tasks/x/bids", Status: 0, Fault: "lost-response"}}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	json.Unmarshal(b, &back)
	for _, k := range []string{"time", "kind", "severity", "rule", "operation", "clause", "message", "agent", "exchange"} {
		if _, ok := back[k]; !ok {
			t.Errorf("the JSON lacks %q: %s", k, b)
		}
	}
}

// A gzip answer is relayed as the upstream encoded it and validated
// decompressed.
func TestGzipAnswerIsValidatedDecompressed(t *testing.T) {
	page := []byte(`{"ok":true,"data":{"items":[{"id":"550e8400-e29b-41d4-a716-446655440000","title":"t","description":"d","category":"c",` +
		`"status":"open","band":"b","price":15,"createdAt":"2026-02-20T10:30:00Z"}],"pagination":{"next_cursor":null,"has_more":false,"total_estimate":1}}}`)
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write(page)
	zw.Close()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(zipped.Bytes())
	}))
	defer up.Close()
	r := newRig(t, up.URL, Options{})
	req, _ := http.NewRequest(http.MethodGet, r.URL+"/v1/tasks/available", nil)
	req.Header.Set("Authorization", "Bearer jtb_live_x")
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, zipped.Bytes()) || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("the gzip answer was not relayed as it came: %d bytes, %v", len(got), resp.Header)
	}
	r.expectRule(ruleResponseSchema, Error, "price")
}

// Paths the proxy does not model stream through as they come: an event
// stream's first event reaches the agent while the upstream still holds
// the answer open.
func TestUnmodelledPathsStream(t *testing.T) {
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: first\n\n")
		w.(http.Flusher).Flush()
		<-release
		io.WriteString(w, "data: second\n\n")
	}))
	defer up.Close()
	defer close(release)
	r := newRig(t, up.URL, Options{})
	resp, err := http.Get(r.URL + "/_control/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(resp.Body).ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		if s != "data: first\n" {
			t.Errorf("first line %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first event did not come through while the stream was open: the proxy buffers it")
	}
}
