package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"maps"
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

	"github.com/jobtobot/jtb/fixtures"
	"github.com/jobtobot/jtb/mockserver"
)

// jtbExplore runs `jtb explore args...` in process and returns its exit code
// and output.
func jtbExplore(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	for _, k := range []string{"JTB_BASE_URL", "JTB_API_KEY", "JTB_API_KEY_B", "JTB_CONTROL_URL", "JTB_CONTROL_TOKEN", "JTB_TIMEOUT"} {
		t.Setenv(k, "")
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"explore"}, args...), nil, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestExploreExitCodes(t *testing.T) {
	dir := t.TempDir()
	saved := filepath.Join(dir, "repro.json")
	report := filepath.Join(dir, "report.json")

	code, out, errOut := jtbExplore(t, "--steps", "1500", "--seed", "4")
	if code != exitOK || !strings.Contains(out, "PASS") {
		t.Fatalf("the good mock: exit %d\n%s\n%s", code, out, errOut)
	}

	code, out, errOut = jtbExplore(t, "--defect", "deliver-by-other-agent", "--steps", "3000", "--seed", "1", "--save", saved, "--json-report", report)
	if code != exitFail || !strings.Contains(out, "DIVERGENCE: JTB-DLV-006 (MUST)") || !strings.Contains(out, "reproduction saved to") {
		t.Fatalf("a MUST defect: exit %d\n%s\n%s", code, out, errOut)
	}
	var rep struct {
		Divergence struct {
			Clause string
			Steps  []json.RawMessage
		}
		Steps int
	}
	data, err := os.ReadFile(report)
	if err != nil || json.Unmarshal(data, &rep) != nil || rep.Divergence.Clause != "JTB-DLV-006" || len(rep.Divergence.Steps) == 0 {
		t.Fatalf("--json-report: %v %s", err, data)
	}

	// The saved reproduction: exit 1 against the broken mock, 0 against the good one.
	if code, out, _ := jtbExplore(t, "--replay", saved, "--defect", "deliver-by-other-agent"); code != exitFail || !strings.Contains(out, "JTB-DLV-006") {
		t.Errorf("replay on the broken mock: exit %d\n%s", code, out)
	}
	if code, out, _ := jtbExplore(t, "--replay", saved); code != exitOK {
		t.Errorf("replay on the good mock: exit %d\n%s", code, out)
	}

	// A SHOULD defect is a warning, and a divergence with --strict.
	if code, out, _ := jtbExplore(t, "--defect", "bid-returns-200", "--steps", "500", "--seed", "1"); code != exitOK || !strings.Contains(out, "warning: JTB-BID-002") {
		t.Errorf("a SHOULD defect without --strict: exit %d\n%s", code, out)
	}
	if code, out, _ := jtbExplore(t, "--defect", "bid-returns-200", "--steps", "500", "--seed", "1", "--strict"); code != exitFail || !strings.Contains(out, "JTB-BID-002") {
		t.Errorf("a SHOULD defect with --strict: exit %d\n%s", code, out)
	}

	for _, args := range [][]string{
		{"--steps", "-1"},
		{"--seed", "x"},
		{"--base-url", "http://127.0.0.1:1", "--defect", "bid-double-allowed"},
		{"--api-key", "jtb_live_x"},
		{"--replay", saved, "--steps", "10"},
		{"--replay", filepath.Join(dir, "missing.json")},
		{"--defect", "no-such-defect", "--steps", "10"},
		{"extra"},
	} {
		if code, _, errOut := jtbExplore(t, args...); code != exitConfig || errOut == "" {
			t.Errorf("jtb explore %v: exit %d, want %d with a message", args, code, exitConfig)
		}
	}
	if code, out, _ := jtbExplore(t, "--defect", "list"); code != exitOK || !strings.Contains(out, "bid-double-allowed") {
		t.Errorf("--defect list: exit %d\n%s", code, out)
	}
}

// A target without a control API cannot be explored: exit 2, said so, and
// no key in any output.
func TestExploreCannotJudgeWithoutControl(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"ok":false,"error":{"code":"NOT_FOUND","message":"no"}}`))
	}))
	defer srv.Close()
	code, out, errOut := jtbExplore(t, "--base-url", srv.URL, "--api-key", fixtures.AlphaKey, "--steps", "10")
	if code != exitConfig || !strings.Contains(errOut, "needs the control API") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, fixtures.AlphaKey) {
		t.Error("the key is printed")
	}
}

func TestExploreHelpPrintsNoSecret(t *testing.T) {
	t.Setenv("JTB_API_KEY", "jtb_live_secret_from_env")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"explore", "-h"}, nil, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(out.String()+errOut.String(), "secret_from_env") {
		t.Error("-h prints the key from the environment")
	}
	if !strings.Contains(errOut.String(), "--serial") && !strings.Contains(errOut.String(), "-serial") {
		t.Errorf("-h lists no --serial:\n%s", errOut.String())
	}
}

// jtb check --explore runs the explorer as the last phase, under its own
// clause; a divergence it finds counts under the clause it breaks too.
func TestCheckExplorePhase(t *testing.T) {
	if testing.Short() {
		t.Skip("runs jtb check twice, with 2 and 5 seconds of exploring")
	}
	code, stdout, stderr := jtbRun(t, "check", "--explore", "2s")
	if code != exitOK || !regexp.MustCompile(`(?m)^explore +SHOULD +1 +0 +0 +0 +0`).MatchString(stdout) {
		t.Fatalf("the good mock: exit %d, want 0 and JTB-EXP-001 passed\n%s%s", code, tail(stdout), stderr)
	}
	code, stdout, stderr = jtbRun(t, "check", "--explore", "5s", "--defect", "deliver-by-other-agent")
	if code != exitFail || !strings.Contains(stdout, "WARN  JTB-EXP-001") || !strings.Contains(stdout, "jtb explore (JTB-EXP-001): the target answered 200 where the model answers 403") {
		t.Fatalf("a broken mock: exit %d, want 1 with JTB-EXP-001 warning and its finding under JTB-DLV-006\n%s%s", code, tail(stdout), stderr)
	}
	if code, _, stderr := jtbRun(t, "check", "--explore", "-1s"); code != exitConfig || !strings.Contains(stderr, "--explore") {
		t.Errorf("--explore -1s: exit %d\n%s", code, stderr)
	}
}

// gateway is a front that lets through only requests carrying its token
// (as a staging gateway does), counts them by API, and writes its token
// into every JSON answer (an extra field: a free choice of the target), so
// that a printed exchange would show it if it were not redacted.
type gateway struct {
	mock    *mockserver.Mock
	token   string
	mu      sync.Mutex
	seen    map[string]int // "/v1" and "/_control": requests with the token
	refused int
}

const gatewayHeader = "X-Gateway-Token"

func newGateway(t *testing.T, defects []string, tls bool) (*gateway, *httptest.Server) {
	t.Helper()
	m, err := mockserver.New(mockserver.Options{Defects: defects})
	if err != nil {
		t.Fatal(err)
	}
	g := &gateway{mock: m, token: "gw-secret-" + strconv.Itoa(os.Getpid()), seen: map[string]int{}}
	srv := httptest.NewUnstartedServer(g)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(func() { srv.Close(); m.Close() })
	return g, srv
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	api := "/v1"
	if strings.HasPrefix(r.URL.Path, "/_control") {
		api = "/_control"
	}
	g.mu.Lock()
	ok := r.Header.Get(gatewayHeader) == g.token
	if ok {
		g.seen[api]++
	} else {
		g.refused++
	}
	g.mu.Unlock()
	if !ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"ok":false,"error":{"code":"GATEWAY","message":"no gateway token"}}`))
		return
	}
	rec := httptest.NewRecorder()
	g.mock.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if len(body) > 2 && body[0] == '{' {
		body = append([]byte(`{"gateway":"`+g.token+`",`), body[1:]...)
	}
	maps.Copy(w.Header(), rec.Header())
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	w.Write(body)
}

func (g *gateway) counts() (agent, control, refused int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.seen["/v1"], g.seen["/_control"], g.refused
}

// --header goes on every request explore sends, Agent and control API
// alike, and its secret-looking value is redacted wherever an exchange is
// shown: the printed reproduction, --save and --json-report.
func TestExploreSendsHeaders(t *testing.T) {
	g, srv := newGateway(t, []string{"deliver-by-other-agent"}, false)
	keys := g.mock.AgentKeys()
	base := []string{"--base-url", srv.URL, "--api-key", keys[0], "--api-key-b", keys[1], "--steps", "3000", "--seed", "1"}
	if code, out, errOut := jtbExplore(t, base...); code != exitConfig {
		t.Fatalf("without --header: exit %d, want %d (the gateway refuses)\n%s%s", code, exitConfig, tail(out), errOut)
	}
	_, _, before := g.counts()

	dir := t.TempDir()
	saved, report := filepath.Join(dir, "repro.json"), filepath.Join(dir, "report.json")
	code, out, errOut := jtbExplore(t, append(base, "--header", gatewayHeader+": "+g.token, "--save", saved, "--json-report", report)...)
	if code != exitFail || !strings.Contains(out, "DIVERGENCE: JTB-DLV-006") {
		t.Fatalf("with --header: exit %d, want %d and the defect found\n%s%s", code, exitFail, tail(out), errOut)
	}
	agent, control, refused := g.counts()
	if agent == 0 || control == 0 || refused != before {
		t.Errorf("with --header the gateway let through %d Agent and %d control requests and refused %d, want some of each and none refused", agent, control, refused-before)
	}
	outputs := out + errOut
	for _, f := range []string{saved, report} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		outputs += string(data)
	}
	if strings.Contains(outputs, g.token) {
		t.Errorf("the gateway token is in the output")
	}
	if !strings.Contains(out, `"gateway":"[REDACTED]"`) {
		t.Errorf("the reproduction shows no redacted token: are the answers printed?\n%s", tail(out))
	}
}

// TLS to the target as jtb check has it: a certificate the run does not
// trust stops it with the x509 reason and the way out (exit 2); --ca-cert
// with the CA that signed it explores; --insecure explores with a warning.
func TestExploreTLS(t *testing.T) {
	g, srv := newGateway(t, nil, true)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	os.WriteFile(notPEM, []byte("not a certificate"), 0o644)
	keys := g.mock.AgentKeys()
	base := []string{"--base-url", srv.URL, "--api-key", keys[0], "--api-key-b", keys[1], "--header", gatewayHeader + ": " + g.token, "--steps", "300", "--seed", "2"}
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"an untrusted certificate", nil, exitConfig, []string{"x509: certificate signed by unknown authority", "--ca-cert", "--insecure"}},
		{"--ca-cert", []string{"--ca-cert", ca}, exitOK, nil},
		{"--insecure", []string{"--insecure"}, exitOK, []string{"warning: --insecure"}},
		{"--ca-cert of no certificate", []string{"--ca-cert", notPEM}, exitConfig, []string{"holds no PEM certificate"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := jtbExplore(t, append(slices.Clone(base), tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, tail(out), errOut)
			}
			for _, says := range tt.stderr {
				if !strings.Contains(errOut, says) {
					t.Errorf("stderr does not say %q:\n%s", says, errOut)
				}
			}
			if tt.code == exitOK && !strings.Contains(out, "PASS") {
				t.Errorf("no verdict:\n%s", tail(out))
			}
		})
	}
}

// jtb check --explore explores the target the check runs against, reached
// the same way: through its headers and with its CA.
func TestCheckExploreUsesTheTargetFlags(t *testing.T) {
	g, srv := newGateway(t, nil, true)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	keys := g.mock.AgentKeys()
	code, stdout, stderr := jtbRun(t, "check", "--base-url", srv.URL, "--api-key", keys[0], "--api-key-b", keys[1],
		"--header", gatewayHeader+": "+g.token, "--ca-cert", ca, "--focus", "JTB-EXP-001", "--explore", "1s")
	if code != exitOK || !regexp.MustCompile(`(?m)^explore +SHOULD +1 +0 +0 +0 +0`).MatchString(stdout) {
		t.Fatalf("exit %d, want 0 and JTB-EXP-001 passed\n%s%s", code, tail(stdout), stderr)
	}
	if strings.Contains(stdout+stderr, g.token) {
		t.Error("the gateway token is in the output")
	}
}
