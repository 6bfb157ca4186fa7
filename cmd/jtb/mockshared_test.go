package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLoopbackOnly(t *testing.T) {
	resolve := map[string][]netip.Addr{
		"localhost":   {netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")},
		"box.lan":     {netip.MustParseAddr("192.168.1.20")},
		"half.lan":    {netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("10.0.0.5")},
		"nothing.lan": {},
	}
	lookup := func(h string) ([]netip.Addr, error) {
		ips, ok := resolve[h]
		if !ok {
			return nil, errors.New("no such host")
		}
		return ips, nil
	}
	for _, tt := range []struct {
		addr     string
		loopback bool
		err      bool
	}{
		{"127.0.0.1:4010", true, false},
		{"127.1.2.3:4010", true, false},
		{"[::1]:4010", true, false},
		{"[::ffff:127.0.0.1]:4010", true, false},
		{"localhost:4010", true, false},
		{"0.0.0.0:4010", false, false},
		{"[::]:4010", false, false},
		{":4010", false, false},
		{"10.1.2.3:4010", false, false},
		{"[fe80::1%eth0]:4010", false, false},
		{"box.lan:4010", false, false},
		{"half.lan:4010", false, false}, // one address beyond loopback is enough
		{"nothing.lan:4010", false, false},
		{"unknown.lan:4010", false, true},
		{"no-port", false, true},
	} {
		got, err := loopbackOnly(tt.addr, lookup)
		if got != tt.loopback || (err != nil) != tt.err {
			t.Errorf("loopbackOnly(%q) = %v, %v; want %v, error %v", tt.addr, got, err, tt.loopback, tt.err)
		}
	}
}

func TestDecideControl(t *testing.T) {
	random := func() *bytes.Reader { return bytes.NewReader(bytes.Repeat([]byte{0xab}, 64)) }
	none := func(string) ([]netip.Addr, error) { return nil, errors.New("no lookup expected") }
	drawn := "jtb_ctl_" + strings.Repeat("ab", 24)
	for _, tt := range []struct {
		name, addr, token string
		open              bool
		want              controlAccess
		err               bool
	}{
		{"loopback: open, as before", "127.0.0.1:4010", "", false, controlAccess{}, false},
		{"loopback with a token", "127.0.0.1:4010", "t", false, controlAccess{token: "t"}, false},
		{"loopback, --control-open", "127.0.0.1:4010", "", true, controlAccess{}, false},
		{"all interfaces: a token is drawn", "0.0.0.0:4010", "", false, controlAccess{token: drawn, generated: true, exposed: true}, false},
		{"an empty host: a token is drawn", ":4010", "", false, controlAccess{token: drawn, generated: true, exposed: true}, false},
		{"beyond loopback with a token", "0.0.0.0:4010", "t", false, controlAccess{token: "t", exposed: true}, false},
		{"beyond loopback, --control-open", "[::]:4010", "", true, controlAccess{exposed: true}, false},
		{"both flags", "0.0.0.0:4010", "t", true, controlAccess{}, true},
		{"a bad address", "nope", "", false, controlAccess{}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decideControl(tt.addr, tt.token, tt.open, none, random())
			if got != tt.want || (err != nil) != tt.err {
				t.Fatalf("got %+v, %v; want %+v, error %v", got, err, tt.want, tt.err)
			}
		})
	}
	if _, err := decideControl("0.0.0.0:1", "", false, none, bytes.NewReader(nil)); err == nil {
		t.Fatal("no randomness, yet a token")
	}
	a, _ := decideControl("0.0.0.0:1", "", false, none, strings.NewReader(strings.Repeat("x", 24)))
	b, _ := decideControl("0.0.0.0:1", "", false, none, strings.NewReader(strings.Repeat("y", 24)))
	if a.token == b.token {
		t.Fatal("the token does not come from the randomness")
	}
}

// startExposedMock runs jtb mock on localhost, with a resolver that tells
// the token rule localhost is a LAN address: the mock then takes the path of
// one listening beyond loopback, while the test still binds 127.0.0.1.
func startExposedMock(t *testing.T, args ...string) runningMock {
	t.Helper()
	lan := func(string) ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr("192.0.2.10")}, nil }
	return startMockCmdWith(t, lan, "localhost:0", args...)
}

func statusOf(t *testing.T, method, url, auth, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestExposedMockRequiresTheDrawnToken: listening beyond loopback without a
// token, the mock prints a drawn token once and requires it on every control
// call; the Agent API is as before.
func TestExposedMockRequiresTheDrawnToken(t *testing.T) {
	m := startExposedMock(t)
	base, out, errOut, stop := m.base, m.out, m.errOut, m.stop
	token := regexp.MustCompile(`control token: (jtb_ctl_[0-9a-f]{48})\n`).FindStringSubmatch(out.String())
	if token == nil {
		t.Fatalf("no drawn token in the banner:\n%s", out.String())
	}
	if n := strings.Count(out.String(), token[1]); n != 1 {
		t.Errorf("the banner prints the token %d times, want once", n)
	}
	for _, call := range []struct{ method, path, body string }{
		{"GET", "/_control/capabilities", ""},
		{"GET", "/_control/clock", ""},
		{"POST", "/_control/reset", ""},
		{"POST", "/_control/agents", `{"name":"intruder"}`},
		{"POST", "/_control/clock/advance", `{"seconds":60}`},
	} {
		if got := statusOf(t, call.method, base+call.path, "", call.body); got != http.StatusUnauthorized {
			t.Errorf("%s %s without the token: %d, want 401", call.method, call.path, got)
		}
		if got := statusOf(t, call.method, base+call.path, "jtb_ctl_"+strings.Repeat("0", 48), call.body); got != http.StatusUnauthorized {
			t.Errorf("%s %s with another token: %d, want 401", call.method, call.path, got)
		}
		if got := statusOf(t, call.method, base+call.path, token[1], call.body); got/100 != 2 {
			t.Errorf("%s %s with the printed token: %d, want 2xx", call.method, call.path, got)
		}
	}
	if got := statusOf(t, "GET", base+"/v1/tasks/available?limit=1", "jtb_live_mock_agent_alpha", ""); got != http.StatusOK {
		t.Errorf("the Agent API with a fixture key: %d, want 200", got)
	}
	if got := statusOf(t, "GET", base+"/v1/tasks/available?limit=1", "", ""); got != http.StatusUnauthorized {
		t.Errorf("the Agent API without a key: %d, want 401", got)
	}
	if code := stop(); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(errOut.String(), token[1]) {
		t.Error("the request log holds the control token")
	}
}

// TestExposedMockControlOpen: --control-open leaves the control API open
// beyond loopback, and every start says so.
func TestExposedMockControlOpen(t *testing.T) {
	for range 2 {
		m := startExposedMock(t, "--control-open")
		base, out, errOut, stop := m.base, m.out, m.errOut, m.stop
		if got := statusOf(t, "GET", base+"/_control/capabilities", "", ""); got != http.StatusOK {
			t.Errorf("--control-open: %d, want 200", got)
		}
		if strings.Contains(out.String(), "control token:") || !strings.Contains(out.String(), "WARNING: the control API is open") {
			t.Errorf("the banner does not warn of the open control API:\n%s", out.String())
		}
		if code := stop(); code != exitOK {
			t.Fatalf("exit %d", code)
		}
		if !strings.Contains(errOut.String(), "WARNING") {
			t.Errorf("no warning on stderr: %s", errOut.String())
		}
	}
	var out, errOut syncBuffer
	if code := runMockWith(context.Background(), []string{"--addr", "0.0.0.0:0", "--control-open", "--control-token", "t"}, &out, &errOut, lookupHost); code != exitConfig {
		t.Fatalf("--control-open with --control-token: exit %d, want %d", code, exitConfig)
	}
}

// TestMockStateFileIsLocked: a second jtb mock on a state file in use exits
// at once with exit 2, naming the file and the holder's pid, and leaves the
// file alone; the first serves on; a bid it acknowledged is there after its
// restart, and the new banner says what was restored.
func TestMockStateFileIsLocked(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	first := startMockCmd(t, "--state", state)
	if !strings.Contains(first.out.String(), "restored: nothing (a new state file)") {
		t.Errorf("a new state file's banner:\n%s", first.out.String())
	}
	task := createTask(t, first.base)
	before, _ := os.ReadFile(state + ".journal")

	var out, errOut syncBuffer
	start := time.Now()
	code := runMock(context.Background(), []string{"--addr", "127.0.0.1:0", "--state", state}, &out, &errOut)
	took := time.Since(start)
	if code != exitConfig {
		t.Fatalf("the second mock: exit %d, want %d; %s", code, exitConfig, errOut.String())
	}
	if msg := errOut.String(); !strings.Contains(msg, state) || !strings.Contains(msg, "process "+strconv.Itoa(os.Getpid())) {
		t.Errorf("the refusal does not name the file and the pid: %s", msg)
	}
	if strings.Contains(out.String(), "serving") {
		t.Errorf("the second mock served: %s", out.String())
	}
	if after, _ := os.ReadFile(state + ".journal"); !bytes.Equal(before, after) {
		t.Error("the refused mock changed the journal")
	}
	t.Logf("the second mock was refused in %v", took)

	if got := statusOf(t, "POST", first.base+"/v1/tasks/"+task+"/bids", "jtb_live_mock_agent_bravo", `{"proposedPrice":4,"coverLetter":"kept"}`); got != http.StatusCreated {
		t.Fatalf("the first mock after the refusal: bid %d", got)
	}
	if code := first.stop(); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	again := startMockCmd(t, "--state", state)
	defer again.stop()
	banner := again.out.String()
	if !strings.Contains(banner, "restored from the snapshot") || !strings.Contains(banner, " 1 bid,") || !strings.Contains(banner, "state file: "+state) {
		t.Errorf("the restart's banner does not say what was restored:\n%s", banner)
	}
	resp, err := http.Get(again.base + "/_control/tasks/" + task)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Data struct {
			Bids []struct {
				CoverLetter string `json:"coverLetter"`
			} `json:"bids"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || len(st.Data.Bids) != 1 || st.Data.Bids[0].CoverLetter != "kept" {
		t.Fatalf("the acknowledged bid after the restart: %+v %v", st, err)
	}
}

func createTask(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Post(base+"/_control/tasks", "application/json",
		strings.NewReader(`{"title":"Kept","description":"d","category":"coding","band":"basic","price":"7.00"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var created struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %v", resp.StatusCode, err)
	}
	return created.Data.ID
}

// TestRequestLogShowsTheMockClock: each request line carries the mock's
// clock beside the wall clock, and it shows the control API's advance.
func TestRequestLogShowsTheMockClock(t *testing.T) {
	m := startMockCmd(t)
	if got := statusOf(t, "POST", m.base+"/_control/clock/advance", "", `{"seconds":86400}`); got != http.StatusOK {
		t.Fatalf("advance: %d", got)
	}
	statusOf(t, "GET", m.base+"/v1/tasks/available?limit=1", "jtb_live_mock_agent_alpha", "")
	if code := m.stop(); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var last string
	for _, l := range strings.Split(m.errOut.String(), "\n") {
		if strings.Contains(l, "path=/v1/tasks/available") {
			last = l
		}
	}
	wall := regexp.MustCompile(`time=(\S+)`).FindStringSubmatch(last)
	clock := regexp.MustCompile(`mock_clock=(\S+)`).FindStringSubmatch(last)
	if wall == nil || clock == nil {
		t.Fatalf("the request line lacks the wall or the mock clock: %q", last)
	}
	if !strings.HasPrefix(clock[1], "2026-03-02T12:") {
		t.Errorf("the mock clock %s does not show the day's advance from 2026-03-01T12:00", clock[1])
	}
}
