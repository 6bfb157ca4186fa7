package main

import (
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/catalogue"
	"github.com/jobtobot/jtb/mockserver"
	"github.com/jobtobot/jtb/suites/results"
	"github.com/onsi/ginkgo/v2/types"
)

// specsOf reads a results document: the specs that ran (not skipped) by
// clause, and every spec's name.
func specsOf(t *testing.T, path string) (ran map[string][]string, all []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Clauses []struct {
			ID    string
			Specs []struct {
				Name    string
				Outcome results.Outcome
				Message string
			}
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	ran = map[string][]string{}
	for _, c := range doc.Clauses {
		for _, s := range c.Specs {
			all = append(all, s.Name)
			if s.Outcome != results.Skip {
				ran[c.ID] = append(ran[c.ID], s.Name)
			}
		}
	}
	return ran, all
}

func TestCheckFocus(t *testing.T) {
	tests := []struct {
		name    string
		focus   string
		clauses []string // exactly these clauses run
	}{
		{"one clause ID", "JTB-PAG-002", []string{"JTB-PAG-002"}},
		{"two clause IDs", "JTB-PAG-002, JTB-AUTH-003", []string{"JTB-AUTH-003", "JTB-PAG-002"}},
		{"a regular expression over spec text", `\[JTB-IDEM-00[12]\]`, []string{"JTB-IDEM-001", "JTB-IDEM-002"}},
		{"an ID and an expression", `JTB-PAG-002,\[JTB-CTL-001\]`, []string{"JTB-CTL-001", "JTB-PAG-002"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "results.json")
			code, stdout, stderr := jtbRun(t, "check", "--focus", tt.focus, "--results", path)
			if code != exitOK {
				t.Fatalf("exit %d\n%s%s", code, tail(stdout), stderr)
			}
			ran, all := specsOf(t, path)
			got := slices.Sorted(func(yield func(string) bool) {
				for id := range ran {
					if !yield(id) {
						return
					}
				}
			})
			if !slices.Equal(got, tt.clauses) {
				t.Errorf("the clauses that ran: %v, want %v", got, tt.clauses)
			}
			// Every spec of those clauses ran: the focus left none of them out.
			for _, name := range all {
				id, _ := catalogue.IDOfText(name)
				if slices.Contains(tt.clauses, id) && !slices.Contains(ran[id], name) {
					t.Errorf("%q did not run", name)
				}
			}
			if !strings.Contains(stdout, "not selected by --focus") {
				t.Errorf("the summary does not say why the other specs did not run:\n%s", tail(stdout))
			}
		})
	}
}

func TestCheckFocusRefusals(t *testing.T) {
	tests := []struct{ focus, says string }{
		{"JTB-PAG-999", "the catalogue holds no such clause"},
		{"[unclosed", "neither a clause ID nor a regular expression"},
		{"no spec has this text", "selects none of them"},
		{" , ", "names nothing"},
	}
	for _, tt := range tests {
		code, stdout, stderr := jtbRun(t, "check", "--focus", tt.focus)
		if code != exitConfig || !strings.Contains(stderr, tt.says) {
			t.Errorf("--focus %q: exit %d, stderr %q; want exit 2 saying %q", tt.focus, code, stderr, tt.says)
		}
		if strings.Contains(stdout, "Summary") {
			t.Errorf("--focus %q: a run went ahead", tt.focus)
		}
	}
}

// --list sends nothing, not even the preflight: against an address where
// something listens it opens no connection, against one where nothing
// does it still exits 0; it lists every clause of the catalogue, and with
// --focus only the clause focused on.
func TestCheckListSendsNothing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	listening := "http://" + ln.Addr().String()
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nobody := "http://" + dead.Addr().String()
	dead.Close()

	cat, err := catalogue.Parse(jtb.CatalogueSpec)
	if err != nil {
		t.Fatal(err)
	}
	for _, base := range []string{listening, nobody} {
		code, stdout, stderr := jtbRun(t, "check", "--list", "--base-url", base, "--api-key", hostileKey)
		if code != exitOK {
			t.Fatalf("--list against %s: exit %d\n%s", base, code, stderr)
		}
		for _, c := range cat.Clauses {
			if c.Area == "EXP" {
				continue // the explore phase's spec is registered with --explore only
			}
			if !regexp.MustCompile(`(?m)^` + c.ID + ` (MUST|SHOULD) `).MatchString(stdout) {
				t.Errorf("--list does not list %s", c.ID)
			}
		}
		if !regexp.MustCompile(`(?m)^\d+ of \d+ clauses, (\d+) of (\d+) specs selected; --list sent nothing`).MatchString(stdout) {
			t.Errorf("--list has no closing count:\n%s", tail(stdout))
		}
		if strings.Contains(stdout+stderr, strings.TrimPrefix(hostileKey, "jtb_live_")) {
			t.Error("--list prints the API key")
		}
	}
	ln.Close()
	if n := conns.Load(); n != 0 {
		t.Errorf("--list opened %d connections to the target", n)
	}

	code, stdout, _ := jtbRun(t, "check", "--list", "--focus", "JTB-PAG-002")
	if code != exitOK {
		t.Fatalf("--list --focus: exit %d", code)
	}
	clauses := regexp.MustCompile(`(?m)^JTB-[A-Z]+-\d{3} `).FindAllString(stdout, -1)
	specs := regexp.MustCompile(`(?m)^  \[(JTB-[A-Z]+-\d{3})\]`).FindAllStringSubmatch(stdout, -1)
	if len(clauses) != 1 || clauses[0] != "JTB-PAG-002 " || len(specs) == 0 {
		t.Errorf("--list --focus JTB-PAG-002 lists %v and %d specs:\n%s", clauses, len(specs), stdout)
	}
	for _, s := range specs {
		if s[1] != "JTB-PAG-002" {
			t.Errorf("--list --focus JTB-PAG-002 lists a spec of %s", s[1])
		}
	}
	// What --list selects is what the run runs.
	path := filepath.Join(t.TempDir(), "results.json")
	if code, _, stderr := jtbRun(t, "check", "--focus", "JTB-PAG-002", "--results", path); code != exitOK {
		t.Fatalf("the run: exit %d %s", code, stderr)
	}
	if ran, _ := specsOf(t, path); len(ran["JTB-PAG-002"]) != len(specs) || len(ran) != 1 {
		t.Errorf("--list names %d specs, the run ran %v", len(specs), ran)
	}
}

// TLS to the target: a certificate the run does not trust stops it in the
// preflight with the x509 reason and the way out; --ca-cert with the CA
// that signed it runs; --insecure runs with a warning.
func TestCheckTLS(t *testing.T) {
	m, err := mockserver.New(mockserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(m)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	srv.StartTLS()
	t.Cleanup(func() { srv.Close(); m.Close() })
	keys := m.AgentKeys()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	os.WriteFile(notPEM, []byte("not a certificate"), 0o644)
	base := []string{"check", "--base-url", srv.URL, "--api-key", keys[0], "--api-key-b", keys[1], "--focus", "JTB-AUTH,JTB-PAG-002"}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"an untrusted certificate", nil, exitConfig, []string{"0 of ", "x509: certificate signed by unknown authority", "--ca-cert", "--insecure"}},
		{"--ca-cert", []string{"--ca-cert", ca}, exitOK, nil},
		{"--insecure", []string{"--insecure"}, exitOK, []string{"warning: --insecure"}},
		{"--ca-cert of no certificate", []string{"--ca-cert", notPEM}, exitConfig, []string{"holds no PEM certificate"}},
		{"--ca-cert of no file", []string{"--ca-cert", filepath.Join(t.TempDir(), "none.pem")}, exitConfig, []string{"--ca-cert"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := jtbRun(t, append(slices.Clone(base), tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, tail(stdout), stderr)
			}
			for _, says := range tt.stderr {
				if !strings.Contains(stderr, says) {
					t.Errorf("stderr does not say %q:\n%s", says, stderr)
				}
			}
			if tt.code == exitOK && !strings.Contains(stdout, "PASS") {
				t.Errorf("no verdict:\n%s", tail(stdout))
			}
		})
	}
}

// Each run prints its seed; --seed runs the specs in the order of an
// earlier run again, and another seed in another order.
func TestCheckSeed(t *testing.T) {
	order := func(seed string) []string {
		t.Helper()
		path := filepath.Join(t.TempDir(), "report.json")
		code, stdout, stderr := jtbRun(t, "check", "--seed", seed, "--json-report", path, "--label-filter", "discovery || auth")
		if code != exitOK {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		if !strings.Contains(stdout, "jtb check: seed "+seed+" ") {
			t.Errorf("the run does not print its seed %s:\n%.400s", seed, stdout)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var reports []types.Report
		if err := json.Unmarshal(data, &reports); err != nil {
			t.Fatal(err)
		}
		if got := reports[0].SuiteConfig.RandomSeed; strconv.FormatInt(got, 10) != seed {
			t.Errorf("the JSON report records seed %d", got)
		}
		var names []string
		for _, sr := range reports[0].SpecReports {
			if sr.LeafNodeType == types.NodeTypeIt && sr.State == types.SpecStatePassed {
				names = append(names, sr.FullText())
			}
		}
		return names
	}
	first, again, other := order("20260301"), order("20260301"), order("7")
	if len(first) < 20 {
		t.Fatalf("only %d specs ran", len(first))
	}
	if !slices.Equal(first, again) {
		t.Error("two runs with one seed ran the specs in different orders")
	}
	if slices.Equal(first, other) {
		t.Error("two seeds ran the specs in one order: the seed decides nothing")
	}
	if code, _, stderr := jtbRun(t, "check", "--seed", "x"); code != exitConfig || !strings.Contains(stderr, "want an integer") {
		t.Errorf("--seed x: exit %d, %s", code, stderr)
	}
}
