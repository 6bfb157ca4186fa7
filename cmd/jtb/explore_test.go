package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jobtobot/jtb/fixtures"
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
