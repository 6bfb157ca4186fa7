// Package browsertest starts headless Chromium for the tests that check a
// page in a real browser (the HTML report). Where no Chromium is installed
// a test skips, with that reason, except under CI=true: CI installs it
// (.ci/install-chromium.sh), so a missing browser there is a failure.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Names Chromium goes by on PATH.
var names = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// ChromiumEnv names a Chromium to use instead of the one on PATH.
const ChromiumEnv = "JTB_CHROMIUM"

// Path finds Chromium: $JTB_CHROMIUM, else on PATH; "" when there is none.
func Path() string {
	if p := os.Getenv(ChromiumEnv); p != "" {
		return p
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless Chromium with a fresh profile and the network
// features it would phone home with turned off, and returns a chromedp
// context on one of its tabs; the browser stops with the test. It bounds
// the whole browser's life at limit.
func New(t testing.TB, limit time.Duration) context.Context {
	t.Helper()
	path := Path()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no Chromium (looked for $%s and %s on PATH) under CI=true: .ci/install-chromium.sh installs it", ChromiumEnv, strings.Join(names, ", "))
		}
		t.Skipf("no Chromium (looked for $%s and %s on PATH): install it (apt-get install -y chromium) to run this browser test", ChromiumEnv, strings.Join(names, ", "))
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelTimeout := context.WithTimeout(context.Background(), limit)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc(); cancelTimeout() })
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		t.Fatalf("starting Chromium (%s): %v", path, err)
	}
	return bctx
}

// ArtifactsEnv names the directory a test keeps its screenshots in, for CI
// to upload (the dashboard's browser test reads it too); unset, they go to
// the test's temporary directory.
const ArtifactsEnv = "JTB_ARTIFACTS"

// Save keeps a screenshot (or any artifact) under name and returns its path.
func Save(t testing.TB, name string, data []byte) string {
	t.Helper()
	dir := os.Getenv(ArtifactsEnv)
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
