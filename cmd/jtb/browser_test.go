package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/catalogue"
	"github.com/jobtobot/jtb/internal/browsertest"
	"github.com/jobtobot/jtb/suites/report"
	"github.com/jobtobot/jtb/suites/results"
)

// The HTML report of a failing run, opened from a file:// URL in headless
// Chromium: it fetches nothing (one request: the page itself), runs no
// script, shows the verdict and exit code, names every clause that ran with
// the outcome the results document gives it, marks the clauses that fail
// the run, and its inline style applies. A screenshot is kept.
func TestHTMLReportInChromium(t *testing.T) {
	dir := t.TempDir()
	page, resultsPath := filepath.Join(dir, "report.html"), filepath.Join(dir, "results.json")
	code, stdout, stderr := jtbRun(t, "check", "--defect", "deliver-by-other-agent", "--defect", "pag-offset-cursor",
		"--html-report", page, "--results", resultsPath)
	if code != exitFail {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitFail, tail(stdout), stderr)
	}
	var doc report.Results
	data, err := os.ReadFile(resultsPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}

	ctx := browsertest.New(t, 2*time.Minute)
	var mu sync.Mutex
	var requests, problems []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, ev.Request.URL)
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+ev.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			problems = append(problems, "console: "+string(ev.Type))
		}
	}); err != nil {
		t.Fatal(err)
	}
	url := "file://" + filepath.ToSlash(page)
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	type seen struct {
		Verdict, ExitCode, Title, Headline, Background string
		Scripts, Links, Images, ExternalSheets         int
		Articles                                       []struct{ ID, Outcome, Ran, Text string }
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[seen](`(() => {
		const h = document.getElementById('verdict');
		return {
			Verdict: h.dataset.verdict, ExitCode: h.dataset.exitCode, Title: document.title,
			Headline: h.querySelector('h1').innerText, Background: getComputedStyle(h).backgroundColor,
			Scripts: document.scripts.length, Links: document.querySelectorAll('link').length,
			Images: document.images.length, ExternalSheets: [...document.styleSheets].filter(s => s.href).length,
			Articles: [...document.querySelectorAll('article.clause')].map(a => ({
				ID: a.id, Outcome: a.dataset.outcome, Ran: a.dataset.ran, Text: a.querySelector('h3').innerText})),
		};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if got.Verdict != "fail" || got.ExitCode != "1" || got.Headline != "jtb check: FAIL" || !strings.Contains(got.Title, "FAIL") {
		t.Errorf("the page shows verdict %q, exit code %q, headline %q, title %q", got.Verdict, got.ExitCode, got.Headline, got.Title)
	}
	if got.Background == "" || got.Background == "rgba(0, 0, 0, 0)" {
		t.Errorf("the verdict has no background (%q): the inline style did not apply", got.Background)
	}
	if got.Scripts+got.Links+got.Images+got.ExternalSheets != 0 {
		t.Errorf("the page holds %d scripts, %d links, %d images, %d external style sheets", got.Scripts, got.Links, got.Images, got.ExternalSheets)
	}
	cat, err := catalogue.Parse(jtb.CatalogueSpec)
	if err != nil {
		t.Fatal(err)
	}
	shown := map[string]struct{ outcome, ran, text string }{}
	for _, a := range got.Articles {
		shown[a.ID] = struct{ outcome, ran, text string }{a.Outcome, a.Ran, a.Text}
	}
	ran := 0
	for _, c := range doc.Clauses {
		a, ok := shown[c.ID]
		didRun := slices.ContainsFunc(c.Specs, func(s report.SpecDoc) bool { return s.Outcome != results.Skip })
		switch {
		case !ok:
			t.Errorf("the page does not name clause %s", c.ID)
			continue
		case a.outcome != string(c.Outcome) || (a.ran == "true") != didRun:
			t.Errorf("%s: the page shows %s (ran %s), the results %s (ran %v)", c.ID, a.outcome, a.ran, c.Outcome, didRun)
		case c.FailsRun != strings.Contains(a.text, "fails the run"):
			t.Errorf("%s: fails the run %v, the page says %q", c.ID, c.FailsRun, a.text)
		}
		if didRun {
			ran++
		}
	}
	// Every clause ran but JTB-EXP-001, whose spec runs with --explore only.
	if len(doc.Clauses) != len(cat.Clauses) || ran != len(cat.Clauses)-1 {
		t.Errorf("%d clauses in the results, %d of them ran; the catalogue holds %d", len(doc.Clauses), ran, len(cat.Clauses))
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the HTML report: %s", browsertest.Save(t, "html-report.png", shot))
	mu.Lock()
	defer mu.Unlock()
	for _, r := range requests {
		if r != url {
			t.Errorf("the page fetched %s", r)
		}
	}
	if len(requests) != 1 {
		t.Errorf("%d requests, want the page's own only: %v", len(requests), requests)
	}
	if len(problems) > 0 {
		t.Errorf("the page logged: %v", problems)
	}
}

// The HAR loads in Chromium's own HAR import: the DevTools front end that
// ships with Chromium (devtools://devtools/bundled/) turns each entry into
// a network request, as its Network panel does with an imported file.
// Chromium's importer takes the HAR of a run and of a run whose preflight
// got no answer (an entry with status 0) with every entry's URL, method and
// status as written.
func TestHARLoadsInChromiumsImporter(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	runs := map[string][]string{
		"run":     {"check", "--focus", "JTB-AUTH,JTB-IDEM-001,JTB-DLV-001"},
		"refused": {"check", "--base-url", closed, "--api-key", hostileKey, "--timeout", "300ms"},
	}
	hars := map[string][]byte{}
	for name, args := range runs {
		path := filepath.Join(dir, name+".har")
		jtbRun(t, append(args, "--har", path)...)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		hars[name] = data
	}

	ctx := browsertest.New(t, 2*time.Minute)
	if err := chromedp.Do(ctx, chromedp.Navigate("devtools://devtools/bundled/devtools_app.html")); err != nil {
		t.Fatalf("Chromium's DevTools front end does not load: %v", err)
	}
	type request struct {
		URL, Method string
		Status      int
	}
	for name, data := range hars {
		var har struct {
			Log struct {
				Entries []struct {
					Request  struct{ URL, Method string }
					Response struct{ Status int }
				}
			}
		}
		if err := json.Unmarshal(data, &har); err != nil {
			t.Fatal(err)
		}
		var want []request
		for _, e := range har.Log.Entries {
			want = append(want, request{e.Request.URL, e.Request.Method, e.Response.Status})
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]request](`(async () => {
			const har = await import('./models/har/har.js');
			const root = new har.HARFormat.HARRoot(`+string(data)+`);
			return har.Importer.Importer.requestsFromHARLog(root.log).map(r => ({URL: r.url(), Method: r.requestMethod, Status: r.statusCode}));
		})()`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: Chromium's HAR importer: %v", name, err)
		}
		// The importer sorts by start time; the HAR is in the order sent.
		key := func(r request) string { return r.Method + " " + r.URL + " " + strconv.Itoa(r.Status) }
		slices.SortFunc(got, func(a, b request) int { return strings.Compare(key(a), key(b)) })
		slices.SortFunc(want, func(a, b request) int { return strings.Compare(key(a), key(b)) })
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%s: Chromium imported %d requests of the %d entries; first: %v, want %v", name, len(got), len(want), first(got), first(want))
		}
		t.Logf("%s: Chromium's HAR importer took all %d entries", name, len(got))
	}
}

func first[T any](s []T) any {
	if len(s) == 0 {
		return nil
	}
	return s[0]
}
