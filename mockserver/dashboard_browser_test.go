package mockserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/jobtobot/jtb/fixtures"
	"github.com/jobtobot/jtb/mockserver"
)

// chromium finds a Chromium to drive. Where there is none the test skips,
// saying why, except in CI (CI=true), where .ci/run installs it and a
// missing browser is a failure, not a silent skip.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("JTB_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI: no Chromium found (chromium, chromium-browser, google-chrome or JTB_CHROMIUM); .ci/run installs Debian's chromium before the tests")
	}
	t.Skip("no Chromium on this machine: the dashboard's browser test needs one (apt-get install -y chromium, or JTB_CHROMIUM=/path); CI installs it and runs this test")
	return ""
}

// browser starts a headless Chromium with a fresh profile and no network
// of its own; the returned context has run once (the browser is up).
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1600),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`1`)); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// void drops an action's value, to run it among others.
func void[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

// step runs browser actions with a bound of their own.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(c, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

// agentPost is one Agent API call; it returns the answer's data.
func agentPost(t *testing.T, base, key, path string, body any) map[string]any {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		OK   bool           `json:"ok"`
		Data map[string]any `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || !env.OK || resp.StatusCode >= 300 {
		t.Fatalf("POST %s: %d, %v", path, resp.StatusCode, err)
	}
	return env.Data
}

// TestDashboardInBrowser drives the dashboard in headless Chromium: the
// control token prompt, a task created through the control API appearing
// live with its pending bids and their Accept controls, hostile cover
// letters shown as text and run as nothing, Accept clicked and the task
// claimed, a trace posted through the Agent API appearing in Watch It Work
// within a second, a delivery's PDQG breakdown, the clock's buttons.
func TestDashboardInBrowser(t *testing.T) {
	const token = "browser-test-token"
	ts := mockserver.NewTestServer(t, mockserver.Options{ControlToken: token})
	ctx := browser(t)
	var dialogs atomic.Int32
	if err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
		}
	}); err != nil {
		t.Fatal(err)
	}
	bg := context.Background()

	// The mock has a control token: the page asks for it.
	step(t, ctx, "opening the dashboard",
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("token-form")),
		chromedp.SendKeys(chromedp.ID("token"), token),
		chromedp.Click(chromedp.CSS(`#token-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#status[data-state="live"]`)))

	task, err := ts.Control.CreateTask(bg, mockserver.NewTask{Title: "Summarize the Q3 board deck", Description: "A one-page brief.", Category: "summarization", Band: "standard", Price: "15.00"})
	if err != nil {
		t.Fatal(err)
	}
	inOpen := fmt.Sprintf(`#open [data-task-id=%q]`, task.ID)
	step(t, ctx, "a task created through the control API shows", chromedp.WaitVisible(chromedp.CSS(inOpen)))

	const alert, flag = `<img src=x onerror=alert(1)>`, `<img src=x onerror="window.__jtbXSS=1"><script>window.__jtbXSS=2</script>`
	bidA := agentPost(t, ts.URL, fixtures.AlphaKey, "/v1/tasks/"+task.ID+"/bids", map[string]any{"proposedPrice": 12.5, "coverLetter": alert})["id"].(string)
	bidB := agentPost(t, ts.URL, fixtures.BravoKey, "/v1/tasks/"+task.ID+"/bids", map[string]any{"proposedPrice": 11, "coverLetter": flag})["id"].(string)
	acceptA := fmt.Sprintf(`[data-bid-id=%q] button[data-action="accept"]`, bidA)
	step(t, ctx, "the pending bids show with Accept controls",
		chromedp.WaitVisible(chromedp.CSS(acceptA)),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-bid-id=%q] button[data-action="reject"]`, bidB))))

	// Hostile cover letters: literally on the page, nothing of them run.
	if got := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('[data-bid-id=%q] .cover').textContent`, bidA)); got != alert {
		t.Fatalf("cover letter shown as %q, want it literally: %q", got, alert)
	}
	if got := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('[data-bid-id=%q] .cover').textContent`, bidB)); got != flag {
		t.Fatalf("cover letter shown as %q, want %q", got, flag)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('img, main script').length`); n != 0 {
		t.Fatalf("%d img or script elements made from agents' text", n)
	}

	step(t, ctx, "Accept claims the task",
		chromedp.Click(chromedp.CSS(acceptA)),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#claimed [data-task-id=%q][data-status="claimed"]`, task.ID))),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#claimed [data-bid-id=%q][data-status="rejected"]`, bidB))),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#watch[data-task-id=%q]`, task.ID))))
	if st, err := ts.Control.Task(bg, task.ID); err != nil || st.Status != "claimed" || st.AssignedAgentID == nil {
		t.Fatalf("after the click the control API says %+v, %v", st, err)
	}
	// The watch view has loaded the (empty) trace list before the post.
	step(t, ctx, "Watch It Work is ready", void(chromedp.Poll[bool](`(() => { const e = document.querySelector('#watch .empty'); return !!e && !e.textContent.startsWith('Loading'); })()`,
		chromedp.WithPollingTimeout(10*time.Second))))

	// A trace through the Agent API appears live: its latency is the page's
	// clock when it rendered it minus ours when we posted (one machine).
	message := `Parsed 47 pages <script>window.__jtbXSS=3</script>`
	sent := time.Now()
	trace := agentPost(t, ts.URL, fixtures.AlphaKey, "/v1/tasks/"+task.ID+"/progress",
		map[string]any{"event": "step_completed", "message": message, "metadata": map[string]any{"pagesProcessed": 47, "note": "<b>bold?</b>"}})
	traceSel := fmt.Sprintf(`#watch [data-trace-id=%q]`, trace["id"])
	step(t, ctx, "the trace appears", void(chromedp.Poll[bool](fmt.Sprintf(`!!document.querySelector('%s')`, traceSel),
		chromedp.WithPollingTimeout(5*time.Second), chromedp.WithPollingMutation())))
	received, err := strconv.ParseFloat(eval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s').getAttribute('data-received')`, traceSel)), 64)
	if err != nil {
		t.Fatal(err)
	}
	latency := time.Duration((received - float64(sent.UnixMicro())/1000) * float64(time.Millisecond))
	t.Logf("trace on the page %v after the POST was sent", latency.Round(time.Millisecond))
	if latency > time.Second {
		t.Errorf("the trace took %v to appear, want within a second", latency)
	}
	if got := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s .message').textContent`, traceSel)); got != message {
		t.Errorf("trace message shown as %q, want %q", got, message)
	}

	// A delivery: the verdict and the criterion-by-criterion breakdown.
	agentPost(t, ts.URL, fixtures.AlphaKey, "/v1/tasks/"+task.ID+"/deliver", map[string]any{"content": "## Q3 board deck\n\nRevenue rose 12% to 4.1 billion; margins held at 31%."})
	step(t, ctx, "the delivery's PDQG breakdown shows",
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-task-id=%q] [data-delivery-id] table.criteria [data-criterion="substance"]`, task.ID))))

	// The clock's buttons move the mock's clock.
	before, err := ts.Control.Now(bg)
	if err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "+1 h", chromedp.Click(chromedp.CSS(`button[data-advance="3600"]`)),
		void(chromedp.Poll[bool](`document.querySelector('#events li[data-type="clock.moved"]') !== null`, chromedp.WithPollingTimeout(10*time.Second))))
	if after, err := ts.Control.Now(bg); err != nil || after.Sub(before) < time.Hour {
		t.Errorf("the +1 h button moved the clock from %v to %v (%v)", before, after, err)
	}

	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d JavaScript dialogs opened: an agent's text ran", n)
	}
	if v := eval[string](t, ctx, `String(window.__jtbXSS)`); v != "undefined" {
		t.Errorf("window.__jtbXSS = %s: an agent's text ran", v)
	}

	dir := os.Getenv("JTB_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for name, shoot := range map[string]chromedp.Action[[]byte]{"dashboard.png": chromedp.CaptureScreenshot(), "dashboard-full.png": chromedp.FullScreenshot(100)} {
		shot, err := chromedp.Run(c, shoot)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
}
