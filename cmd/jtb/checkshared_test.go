package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jobtobot/jtb/internal/foreign"
	"github.com/jobtobot/jtb/mockserver"
)

// getData GETs base+path and decodes the envelope's data into v.
func getData(t *testing.T, base, path, key string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	env := struct {
		Data any `json:"data"`
	}{Data: v}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
	}
}

// targetState is what a run must leave as it found it: the unfiltered
// listing's total_estimate and the clock.
func targetState(t *testing.T, base string) (open int, clock time.Time) {
	t.Helper()
	var page struct {
		Pagination struct {
			TotalEstimate int `json:"total_estimate"`
		} `json:"pagination"`
	}
	getData(t, base, "/v1/tasks/available?limit=1", "jtb_live_mock_agent_alpha", &page)
	var c struct {
		Now time.Time `json:"now"`
	}
	getData(t, base, "/_control/clock", "", &c)
	return page.Pagination.TotalEstimate, c.Now
}

// TestCheckLeavesNoTraceOnARunningMock: a full jtb check (a process of its
// own) against a running jtb mock, as a platform team runs it against a
// staging: exit 0, nothing skipped, the listing's total_estimate as before,
// the clock moved no further than the wall time the run took (plus less
// than a minute), and the summary says both.
func TestCheckLeavesNoTraceOnARunningMock(t *testing.T) {
	m := startMockCmd(t)
	open, clock := targetState(t, m.base)
	start := time.Now()
	code, stdout, stderr := jtbRun(t, "check", "--base-url", m.base)
	wall := time.Since(start)
	openAfter, clockAfter := targetState(t, m.base)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s%s", code, tail(stdout), stderr)
	}
	if n := totals(t, stdout); n[4] != 0 || n[1]+n[2]+n[3] != 0 {
		t.Errorf("%d failed, %d warned, %d errors, %d skipped; want every spec run and passed", n[1], n[2], n[3], n[4])
	}
	if !regexp.MustCompile(`jtb check: (\d+) of (\d+) specs ran\.\n$`).MatchString(stdout) {
		t.Errorf("the last line does not say every spec ran:\n%s", tail(stdout))
	}
	if openAfter != open {
		t.Errorf("the listing's total_estimate went from %d to %d", open, openAfter)
	}
	moved := clockAfter.Sub(clock) - wall
	if moved > time.Minute {
		t.Errorf("the run moved the clock %v beyond its %v of wall time", moved, wall)
	}
	for _, says := range []string{"and removed them all", "(the window specs moved their tasks' own time)"} {
		if !strings.Contains(stdout, says) {
			t.Errorf("the summary does not say %q:\n%s", says, tail(stdout))
		}
	}
	t.Logf("total_estimate %d → %d; the clock moved %v in %v of wall time (%v beyond)", open, openAfter, clockAfter.Sub(clock), wall, moved)
}

// Without the shared-target capabilities (the mock behind a wrapper that
// answers capabilities without them), the run still passes; its summary
// lists every task and agent it created as left on the target, with the
// reason, and says how far it advanced the clock itself.
func TestCheckSaysWhatItLeftWithoutCleanup(t *testing.T) {
	shared := regexp.MustCompile(`,"taskTime":true,"cleanup":true`)
	base, _ := rewritingMock(t, func(r *http.Request, status int, body []byte) (int, []byte) {
		if r.URL.Path == "/_control/capabilities" {
			return status, shared.ReplaceAll(body, nil)
		}
		return status, body
	})
	open, _ := targetState(t, base)
	code, stdout, stderr := jtbRun(t, "check", "--base-url", base)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s%s", code, tail(stdout), stderr)
	}
	left := regexp.MustCompile(`(?m)^target: the run created (\d+) tasks and (\d+) agents; it removed 0, and (\d+) are left on the target:$`).FindStringSubmatch(stdout)
	if left == nil {
		t.Fatalf("the summary does not say what was left:\n%s", tail(stdout))
	}
	ids := regexp.MustCompile(`(?m)^  left \(the control API offers no cleanup: capabilities.cleanup is false\): (\d+) tasks ([0-9a-f -]+); (\d+) agents ([0-9a-f -]+)$`).FindStringSubmatch(stdout)
	if ids == nil || ids[1] != left[1] || ids[3] != left[2] || len(strings.Fields(ids[2])) != atoi(left[1]) {
		t.Fatalf("the leftovers are not listed, with every id:\n%s", tail(stdout))
	}
	openAfter, _ := targetState(t, base)
	if grew := openAfter - open; grew <= 0 || grew > atoi(left[1]) {
		t.Errorf("total_estimate %d → %d for %s tasks left", open, openAfter, left[1])
	}
	if !regexp.MustCompile(`target: the run moved the clock (18h0m\d+s|\d+h\d+m\d+s) beyond .* \(it advanced the clock \d+h\d+m\d+s itself`).MatchString(stdout) {
		t.Errorf("the summary does not say how far the run advanced the clock:\n%s", tail(stdout))
	}
	if !strings.Contains(stdout, "capabilities.taskTime is false") || !strings.Contains(stdout, "capabilities.cleanup is false") {
		t.Errorf("the CTL specs of the missing capabilities do not say why they were skipped:\n%s", tail(stdout))
	}
}

// A removal the target refuses is listed with its answer, and does not
// change the outcome of the spec whose cleanup it was: agents' removals
// answered 500, so the agents of the run (A and B, created by Connect) and
// of the auth spec are left; the tasks go.
func TestCheckListsARefusedRemoval(t *testing.T) {
	base, _ := rewritingMock(t, func(r *http.Request, status int, body []byte) (int, []byte) {
		if r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/_control/agents/") {
			return http.StatusInternalServerError, []byte(`{"ok":false,"error":{"code":"INTERNAL","message":"no"}}`)
		}
		return status, body
	})
	code, stdout, stderr := jtbRun(t, "check", "--base-url", base, "--label-filter", "auth")
	if code != exitOK {
		t.Fatalf("exit %d, want 0 (a refused cleanup is no failure of a spec)\n%s%s", code, tail(stdout), stderr)
	}
	created := regexp.MustCompile(`(?m)^target: the run created \d+ tasks and (\d+) agents; it removed \d+, and (\d+) are left`).FindStringSubmatch(stdout)
	left := regexp.MustCompile(`(?m)^  left \(DELETE answered 500 INTERNAL\): (\d+) agents ([0-9a-f -]+)$`).FindStringSubmatch(stdout)
	if created == nil || left == nil || created[1] != left[1] || created[2] != left[1] || len(strings.Fields(left[2])) != atoi(left[1]) {
		t.Errorf("the refused removals (every agent: the run's two and the spec's) are not listed with the answer:\n%s", tail(stdout))
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// Against a server we did not write that offers the shared-target
// capabilities in shapes of its own (internal/foreign, SharedTarget): exit
// 0, nothing skipped, the window specs run on their tasks' own time (the
// clock behind the server moves no further than the wall time), every task
// and agent the run created is gone; the other shapes of its answers are
// warnings of their CTL clauses only.
func TestCheckForeignSharedTarget(t *testing.T) {
	f := foreign.Start(t, foreign.Options{SharedTarget: true})
	ctx := context.Background()
	open := openTasks(t, f)
	clock, err := f.Mock().Now(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code, stdout, stderr := jtbRun(t, foreignArgs(f)...)
	wall := time.Since(start)
	if code != exitOK {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitOK, tail(stdout), stderr)
	}
	if n := totals(t, stdout); n[1]+n[3]+n[4] != 0 {
		t.Errorf("%d failed, %d errors, %d skipped; want none", n[1], n[3], n[4])
	}
	after, err := f.Mock().Now(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if moved := after.Sub(clock) - wall; moved > time.Minute {
		t.Errorf("the clock behind the server moved %v beyond the run's %v", moved, wall)
	}
	if got := openTasks(t, f); got != open {
		t.Errorf("total_estimate %d → %d", open, got)
	}
	for _, says := range []string{"and removed them all", "(the window specs moved their tasks' own time)"} {
		if !strings.Contains(stdout, says) {
			t.Errorf("the summary does not say %q:\n%s", says, tail(stdout))
		}
	}
	want := []string{"JTB-CTL-003", "JTB-CTL-004", "JTB-CTL-006", "JTB-CTL-010", "JTB-CTL-011", "JTB-CTL-012", "JTB-BID-002", "JTB-DLV-009", "JTB-IDEM-002", "JTB-ENV-009"}
	warned := clauseLines(stdout, "WARN")
	for _, id := range want {
		if warned[id] != 1 {
			t.Errorf("%s is not listed once as a warning", id)
		}
	}
	for id := range warned {
		if !slices.Contains(want, id) {
			t.Errorf("%s warns against a server that decided it as we did (a false alarm)", id)
		}
	}
}

// Against the stand-in without them, the run says what it left and how
// far it moved the clock.
func TestCheckForeignWithoutSharedTarget(t *testing.T) {
	f := foreign.Start(t, foreign.Options{})
	code, stdout, stderr := jtbRun(t, foreignArgs(f)...)
	if code != exitOK {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitOK, tail(stdout), stderr)
	}
	for _, says := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^  left \(the control API offers no cleanup: capabilities.cleanup is false\): \d+ tasks `),
		regexp.MustCompile(`(?m)^target: the run moved the clock \d+h\d+m\d+s beyond .*\(it advanced the clock \d+h\d+m\d+s itself`),
	} {
		if !says.MatchString(stdout) {
			t.Errorf("the summary does not match %s:\n%s", says, tail(stdout))
		}
	}
}

// A control API that answers its per-task time 200 and moves nothing would
// fail the window's MUST specs for nothing the Agent API did: those specs
// end as errors (the suite could not drive the target), never as failures
// of their clauses, and the run gives no verdict.
func TestCheckTaskTimeThatMovesNothingIsAnError(t *testing.T) {
	m, err := mockserver.New(mockserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if task, ok := strings.CutSuffix(r.URL.Path, "/time/advance"); ok && r.Method == http.MethodPost {
			r = httptest.NewRequest(http.MethodGet, task, nil) // the task as it is, unmoved
		}
		m.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { srv.Close(); m.Close() })
	code, stdout, stderr := jtbRun(t, "check", "--base-url", srv.URL, "--label-filter", "resubmit")
	if code != exitConfig {
		t.Fatalf("exit %d, want %d (no verdict)\n%s%s", code, exitConfig, tail(stdout), stderr)
	}
	if fails := clauseLines(stdout, "FAIL"); len(fails) > 0 {
		t.Errorf("clauses fail for the harness's fault: %v\n%s", fails, tail(stdout))
	}
	if errs := clauseLines(stdout, "ERROR"); errs["JTB-RSB-003"] != 1 || errs["JTB-RSB-007"] != 1 {
		t.Errorf("the window specs are not errors: %v\n%s", errs, tail(stdout))
	}
	if !strings.Contains(stdout, "the control API could not move the task's time") {
		t.Errorf("the errors do not say why:\n%s", tail(stdout))
	}
}
