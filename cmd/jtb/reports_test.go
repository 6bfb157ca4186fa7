package main

import (
	"encoding/json"
	"encoding/xml"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jobtobot/jtb/internal/foreign"
	"github.com/jobtobot/jtb/internal/hartest"
	"github.com/jobtobot/jtb/internal/version"
	"github.com/jobtobot/jtb/mockserver"
	"github.com/jobtobot/jtb/suites/report"
	"github.com/onsi/ginkgo/v2/types"
)

// reportRun is a jtb check run with every report written to a file.
type reportRun struct {
	code           int
	stdout, stderr string
	files          map[string]string // flag → path
}

func (r reportRun) read(t *testing.T, flag string) []byte {
	t.Helper()
	data, err := os.ReadFile(r.files[flag])
	if err != nil {
		t.Fatalf("--%s: %v", flag, err)
	}
	return data
}

func (r reportRun) results(t *testing.T) report.Results {
	t.Helper()
	var doc report.Results
	if err := json.Unmarshal(r.read(t, "results"), &doc); err != nil {
		t.Fatalf("--results is not a results document: %v", err)
	}
	return doc
}

// checkWithReports runs jtb check with every report flag, each to a file.
func checkWithReports(t *testing.T, args ...string) reportRun {
	t.Helper()
	dir := t.TempDir()
	r := reportRun{files: map[string]string{}}
	for _, k := range reportKinds {
		r.files[k.flag] = filepath.Join(dir, k.flag)
		args = append(args, "--"+k.flag, r.files[k.flag])
	}
	r.code, r.stdout, r.stderr = jtbRun(t, append([]string{"check"}, args...)...)
	return r
}

type junitProps struct {
	Failures int `xml:"failures,attr"`
	Suites   []struct {
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
	} `xml:"testsuite"`
}

func (j junitProps) prop(name string) string {
	for _, s := range j.Suites {
		for _, p := range s.Properties {
			if p.Name == name {
				return p.Value
			}
		}
	}
	return ""
}

// Every report says the verdict the exit code says, and records the same
// version: a plain run with warnings, a --strict run, a failing run, a run
// whose specs cannot drive the target and a run the preflight refused. No
// report of a run that exits 1 or 2 reads PASS.
func TestCheckEveryReportAgreesWithTheExitCode(t *testing.T) {
	// A target whose control API cannot create tasks: the specs that need
	// one cannot be driven (errors), no MUST clause fails.
	noTasks, keys := rewritingMock(t, func(r *http.Request, status int, body []byte) (int, []byte) {
		if r.Method == http.MethodPost && r.URL.Path == "/_control/tasks" {
			return http.StatusServiceUnavailable, []byte(`{"ok":false,"error":{"code":"UNAVAILABLE","message":"no tasks today"}}`)
		}
		return status, body
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()

	tests := []struct {
		name     string
		args     []string
		code     int
		verdict  string
		headline string
	}{
		{"a plain run with warnings", []string{"--defect", "pag-offset-cursor"}, exitOK, "pass-with-warnings", "PASS with warnings"},
		{"a strict run", []string{"--defect", "pag-offset-cursor", "--strict"}, exitFail, "fail", "FAIL"},
		{"a failing run", []string{"--defect", "deliver-by-other-agent"}, exitFail, "fail", "FAIL"},
		{"specs that cannot drive the target", []string{"--base-url", noTasks, "--api-key", keys[0], "--api-key-b", keys[1]}, exitConfig, "cannot-judge", "NO VERDICT"},
		{"a run the preflight refused", []string{"--base-url", closed, "--api-key", hostileKey, "--timeout", "300ms"}, exitConfig, "cannot-judge", "NO VERDICT"},
	}
	info := version.Read()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Two areas are enough to hold warnings, failures and errors.
			r := checkWithReports(t, append(tt.args, "--focus", "JTB-PAG,JTB-DLV")...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, tt.code, tail(r.stdout), r.stderr)
			}
			doc := r.results(t)
			if doc.ExitCode != r.code || string(doc.Verdict) != tt.verdict || doc.Headline != tt.headline {
				t.Errorf("results: exit %d, verdict %s, headline %q; want %d, %s, %q", doc.ExitCode, doc.Verdict, doc.Headline, r.code, tt.verdict, tt.headline)
			}
			if doc.Schema != report.ResultsSchema || doc.Tool.Catalogue.SHA256 != info.Catalogue.SHA256 || len(doc.Clauses) != info.Catalogue.Clauses {
				t.Errorf("results: schema %q, catalogue %+v, %d clauses", doc.Schema, doc.Tool.Catalogue, len(doc.Clauses))
			}
			failing := 0
			for _, c := range doc.Clauses {
				if c.FailsRun {
					failing++
				}
			}
			if (failing > 0) != (r.code == exitFail) {
				t.Errorf("results: %d clauses fail the run in a run that exits %d", failing, r.code)
			}

			var j junitProps
			if err := xml.Unmarshal(r.read(t, "junit-report"), &j); err != nil {
				t.Fatal(err)
			}
			if j.prop("jtb.verdict") != tt.verdict || j.prop("jtb.exit-code") != strconv.Itoa(r.code) || (j.Failures > 0) != (r.code == exitFail) {
				t.Errorf("JUnit: verdict %q, exit code %q, %d failures", j.prop("jtb.verdict"), j.prop("jtb.exit-code"), j.Failures)
			}
			if !strings.Contains(j.prop("jtb.catalogue"), info.Catalogue.SHA256) || j.prop("jtb.version") != info.Short() {
				t.Errorf("JUnit: version %q, catalogue %q", j.prop("jtb.version"), j.prop("jtb.catalogue"))
			}

			var g []types.Report
			if err := json.Unmarshal(r.read(t, "json-report"), &g); err != nil || len(g) != 1 {
				t.Fatalf("--json-report: %v", err)
			}
			if g[0].SuiteSucceeded != (r.code == exitOK) {
				t.Errorf("JSON report: SuiteSucceeded %v in a run that exits %d", g[0].SuiteSucceeded, r.code)
			}
			var entry string
			for _, sr := range g[0].SpecReports {
				for _, e := range sr.ReportEntries {
					if e.Name == report.VersionEntry {
						entry = e.Value.AsJSON
					}
				}
			}
			if !strings.Contains(entry, `"verdict":"`+tt.verdict+`"`) || !strings.Contains(entry, info.Catalogue.SHA256) {
				t.Errorf("JSON report: the %s entry reads %s", report.VersionEntry, entry)
			}

			html := string(r.read(t, "html-report"))
			if !strings.Contains(html, `data-verdict="`+tt.verdict+`"`) || !strings.Contains(html, `data-exit-code="`+strconv.Itoa(r.code)+`"`) ||
				!strings.Contains(html, "<h1>jtb check: "+tt.headline+"</h1>") || !strings.Contains(html, info.Catalogue.SHA256) {
				t.Errorf("HTML: no verdict %s, exit code %d, headline %q or catalogue digest", tt.verdict, r.code, tt.headline)
			}
			md := string(r.read(t, "summary-markdown"))
			if first, _, _ := strings.Cut(md, "\n"); !strings.HasSuffix(first, "jtb check: "+tt.headline) || !strings.Contains(md, "Exit code **"+strconv.Itoa(r.code)+"**") || !strings.Contains(md, info.Catalogue.SHA256) {
				t.Errorf("Markdown summary: %q, no exit code %d or catalogue digest", first, r.code)
			}
			har := r.read(t, "har")
			if err := hartest.Validate(har); err != nil {
				t.Errorf("HAR: %v", err)
			}
			if !strings.Contains(string(har), tt.headline+" (exit "+strconv.Itoa(r.code)+")") || !strings.Contains(string(har), info.Catalogue.SHA256) {
				t.Errorf("HAR: the log's comment does not say %s (exit %d), or no catalogue digest", tt.headline, r.code)
			}
			if r.code != exitOK {
				for flag, text := range map[string]string{"results": doc.Headline, "html-report": html, "summary-markdown": md, "har": string(har)} {
					if regexp.MustCompile(`jtb check: PASS|"headline": "PASS|\bPASS \(exit`).MatchString(text) {
						t.Errorf("--%s says PASS for a run that exits %d", flag, r.code)
					}
				}
			}
			for flag := range r.files {
				if data, _ := os.ReadFile(r.files[flag]); rawKey.Match(data) || strings.Contains(string(data), strings.TrimPrefix(hostileKey, "jtb_live_")) {
					t.Errorf("--%s holds an API key", flag)
				}
			}
		})
	}
}

// With a report on standard output, the progress and the summary go to
// standard error, and standard output holds the report alone.
func TestCheckReportToStdout(t *testing.T) {
	for _, k := range reportKinds {
		t.Run(k.flag, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := jtbRun(t, "check", "--focus", "JTB-AUTH-001", "--"+k.flag, "-")
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			if !strings.Contains(stderr, "PASS: every selected clause holds") || strings.Contains(stdout, "Summary (") {
				t.Errorf("the summary is not on stderr alone:\nstdout: %.300s\nstderr: %s", stdout, tail(stderr))
			}
			switch k.flag {
			case "junit-report", "html-report":
				if !strings.HasPrefix(stdout, "<") {
					t.Errorf("stdout is not the report: %.200s", stdout)
				}
			case "summary-markdown":
				if !strings.HasPrefix(stdout, "## ") {
					t.Errorf("stdout is not the summary: %.200s", stdout)
				}
			default:
				if !json.Valid([]byte(stdout)) {
					t.Errorf("stdout is not JSON: %.200s", stdout)
				}
			}
		})
	}
	code, _, stderr := jtbRun(t, "check", "--results", "-", "--har", "-")
	if code != exitConfig || !strings.Contains(stderr, "only one report can") {
		t.Errorf("two reports on stdout: exit %d, %s", code, stderr)
	}
	if _, err := os.Stat("-"); err == nil {
		t.Error("a file named - was written")
	}
}

// The HAR holds every request the target saw, each once, no key or token
// anywhere, each entry naming its spec and clause (or the preflight); it
// follows the HAR 1.2 schema. The target is the stand-in foreign server,
// which records what it is sent.
func TestCheckHARHoldsEveryExchange(t *testing.T) {
	f := foreign.Start(t, foreign.Options{})
	harPath := filepath.Join(t.TempDir(), "run.har")
	code, stdout, stderr := jtbRun(t, foreignArgs(f, "--har", harPath)...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, tail(stdout), stderr)
	}
	data, err := os.ReadFile(harPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := hartest.Validate(data); err != nil {
		t.Fatalf("the HAR breaks the HAR 1.2 schema: %v", err)
	}
	var har struct {
		Log struct {
			Version string `json:"version"`
			Creator struct{ Name, Version string }
			Entries []struct {
				Comment string `json:"comment"`
				Spec    string `json:"_jtbSpec"`
				Clause  string `json:"_jtbClause"`
				Phase   string `json:"_jtbPhase"`
				API     string `json:"_jtbApi"`
				Request struct {
					Method  string `json:"method"`
					URL     string `json:"url"`
					Headers []struct{ Name, Value string }
				} `json:"request"`
				Response struct {
					Status int `json:"status"`
				} `json:"response"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(data, &har); err != nil {
		t.Fatal(err)
	}
	if har.Log.Version != "1.2" || har.Log.Creator.Name != "jtb" {
		t.Errorf("log version %q, creator %q", har.Log.Version, har.Log.Creator.Name)
	}
	seen := f.Requests()
	var fromHAR, fromServer []string
	preflight := 0
	for _, e := range har.Log.Entries {
		base := f.URL
		if e.API == "control" {
			base = f.ControlURL
		}
		path, ok := strings.CutPrefix(e.Request.URL, base)
		if !ok {
			t.Errorf("entry %s is not under the %s API's base URL", e.Request.URL, e.API)
		}
		fromHAR = append(fromHAR, e.API+" "+e.Request.Method+" "+path+" "+strconv.Itoa(e.Response.Status))
		switch {
		case e.Spec != "":
			if !strings.HasPrefix(e.Spec, "["+e.Clause+"]") || !strings.Contains(e.Comment, e.Spec) || !strings.Contains(e.Comment, "clause "+e.Clause) {
				t.Errorf("entry of %q (clause %q) has the comment %q", e.Spec, e.Clause, e.Comment)
			}
		case e.Phase == "preflight":
			preflight++
		case e.Phase == "after the run" && strings.HasPrefix(e.Comment, "after the run (outside any spec)"):
			// the run's own agents removed, the clock read again
		default:
			t.Errorf("entry %s %s names no spec and no phase: %q", e.Request.Method, e.Request.URL, e.Comment)
		}
		for _, h := range e.Request.Headers {
			if h.Name == "Authorization" && !redactedCredential.MatchString(h.Value) {
				t.Errorf("an Authorization header reads %q", h.Value)
			}
		}
	}
	for _, r := range seen {
		fromServer = append(fromServer, r.API+" "+r.Method+" "+r.Path+" "+strconv.Itoa(r.Status))
	}
	slices.Sort(fromHAR)
	slices.Sort(fromServer)
	if !slices.Equal(fromHAR, fromServer) {
		t.Errorf("the HAR holds %d exchanges, the server saw %d requests; first difference: %s", len(fromHAR), len(fromServer), firstDifference(fromHAR, fromServer))
	}
	if preflight < 2 {
		t.Errorf("%d preflight exchanges in the HAR, want the listing and the capabilities at least", preflight)
	}
	t.Logf("%d exchanges in the HAR, %d requests seen by the server, %d of the preflight", len(fromHAR), len(fromServer), preflight)
	for i, secret := range append(slices.Clone(f.Keys), f.ControlToken) {
		if strings.Contains(string(data), strings.TrimPrefix(secret, "jtb_live_")) {
			t.Errorf("the HAR holds secret %d (a key or the control token)", i)
		}
	}
}

// redactedCredential is an Authorization value as the HAR shows it: the
// scheme, if any, and the mark.
var redactedCredential = regexp.MustCompile(`^([A-Za-z]+ )?\[REDACTED\]$`)

func firstDifference(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i] + " | " + b[i]
		}
	}
	if len(a) != len(b) {
		return "one list is longer"
	}
	return "none"
}

// recordingMock serves the reference mock (with a control token) and
// records the header of every request it is sent.
func recordingMock(t *testing.T, token string) (base string, keys []string, seen func() []http.Header) {
	t.Helper()
	m, err := mockserver.New(mockserver.Options{ControlToken: token})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var headers []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Clone()
		h.Set(":path", r.URL.Path)
		mu.Lock()
		headers = append(headers, h)
		mu.Unlock()
		m.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { srv.Close(); m.Close() })
	return srv.URL, m.AgentKeys(), func() []http.Header {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(headers)
	}
}

// --header reaches the target on every request, Agent and control API
// alike; a value that looks secret is redacted in every output, a plain
// one is shown.
func TestCheckHeaderReachesTheTarget(t *testing.T) {
	token := "ctl_" + strings.TrimPrefix(hostileKey, "jtb_live_")
	base, keys, seen := recordingMock(t, token)
	const gatewaySecret = "gw-9Kq2Lm7Xz4Rt8Wv1"
	r := checkWithReports(t, "--base-url", base, "--api-key", keys[0], "--api-key-b", keys[1], "--control-token", token,
		"--focus", "JTB-AUTH-001,JTB-CTL-003,JTB-BID-001",
		"--header", "X-Env: staging-eu", "--header", "X-Gateway-Token: "+gatewaySecret)
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s%s", r.code, tail(r.stdout), r.stderr)
	}
	headers := seen()
	control := 0
	for _, h := range headers {
		if h.Get("X-Env") != "staging-eu" || h.Get("X-Gateway-Token") != gatewaySecret {
			t.Errorf("%s reached the target without the headers: X-Env %q, X-Gateway-Token %q", h.Get(":path"), h.Get("X-Env"), h.Get("X-Gateway-Token"))
		}
		if strings.HasPrefix(h.Get(":path"), "/_control/") {
			control++
		}
		if ua := h.Get("User-Agent"); !strings.HasPrefix(ua, "jtb/") {
			t.Errorf("User-Agent %q does not name jtb", ua)
		}
	}
	if len(headers) < 5 || control == 0 {
		t.Fatalf("the target saw %d requests, %d of them control: the run did not get far", len(headers), control)
	}
	doc := r.results(t)
	if !slices.Contains(doc.Target.Headers, "X-Env: staging-eu") || !slices.Contains(doc.Target.Headers, "X-Gateway-Token: [REDACTED]") {
		t.Errorf("results: the target's headers read %q", doc.Target.Headers)
	}
	outs := map[string]string{"stdout": r.stdout, "stderr": r.stderr}
	for flag := range r.files {
		outs[flag] = string(r.read(t, flag))
	}
	if !strings.Contains(outs["har"], `"X-Env"`) {
		t.Error("the HAR does not show the headers sent")
	}
	assertNoSecret(t, outs, "gateway token", gatewaySecret)
	assertNoSecret(t, outs, "control token", token)
	assertNoSecret(t, outs, "API key", keys[0])
}
