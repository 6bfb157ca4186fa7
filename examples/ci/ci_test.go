// Package ci holds CI examples; its test reads them as a CI runner would
// and runs their jtb steps for real.
package ci

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jobtobot/jtb/mockserver"
	"go.yaml.in/yaml/v3"
)

type workflow struct {
	Name        string                 `yaml:"name"`
	On          map[string]any         `yaml:"on"`
	Permissions map[string]string      `yaml:"permissions"`
	Jobs        map[string]workflowJob `yaml:"jobs"`
}

type workflowJob struct {
	RunsOn  string            `yaml:"runs-on"`
	Timeout int               `yaml:"timeout-minutes"`
	Env     map[string]string `yaml:"env"`
	Steps   []step            `yaml:"steps"`
}

type step struct {
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	If   string            `yaml:"if"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
}

func readWorkflow(t *testing.T, file string) workflow {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&w); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return w
}

func (j workflowJob) step(t *testing.T, name string) step {
	t.Helper()
	for _, s := range j.Steps {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no step %q", name)
	return step{}
}

func (j workflowJob) uses(action string) []step {
	var out []step
	for _, s := range j.Steps {
		if strings.HasPrefix(s.Uses, action+"@") {
			out = append(out, s)
		}
	}
	return out
}

// jtbBinary builds cmd/jtb, for the steps that run it.
func jtbBinary(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "jtb"), "github.com/jobtobot/jtb/cmd/jtb").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

// runStep runs a step's script as a GitHub runner does (bash -e, in the
// workspace), with the job's env, the secrets and jtb on PATH.
func runStep(t *testing.T, s step, dir string, env map[string]string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", s.Run)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// secrets fills a job's env in: each ${{ secrets.NAME }} from secrets.
func withSecrets(env, secrets map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		if name, ok := strings.CutPrefix(v, "${{ secrets."); ok {
			v = secrets[strings.TrimSuffix(name, " }}")]
		}
		out[k] = v
	}
	return out
}

func TestCheckWorkflow(t *testing.T) {
	w := readWorkflow(t, "jtb-check.yml")
	job, ok := w.Jobs["conformance"]
	if !ok {
		t.Fatal("no job conformance")
	}
	if _, ok := w.On["schedule"]; !ok {
		t.Error("the workflow has no schedule")
	}
	if w.Permissions["contents"] != "read" || len(w.Permissions) != 1 {
		t.Errorf("permissions %v, want contents: read alone", w.Permissions)
	}
	for _, name := range []string{"JTB_BASE_URL", "JTB_API_KEY", "JTB_API_KEY_B", "JTB_CONTROL_URL", "JTB_CONTROL_TOKEN"} {
		if job.Env[name] != "${{ secrets."+name+" }}" {
			t.Errorf("env %s = %q, want it from the secret", name, job.Env[name])
		}
	}
	install := job.step(t, "Install jtb")
	if !strings.Contains(install.Run, `go install "github.com/jobtobot/jtb/cmd/jtb@${JTB_VERSION}"`) || job.Env["JTB_VERSION"] == "" {
		t.Errorf("the install step does not go install jtb at a version: %q", install.Run)
	}
	if len(job.uses("actions/setup-go")) != 1 {
		t.Error("no setup-go step")
	}
	check := job.step(t, "Run the conformance suite")
	for _, want := range []string{"jtb check", "--junit-report jtb-reports/junit.xml", "--html-report jtb-reports/report.html", `--summary-markdown "$GITHUB_STEP_SUMMARY"`} {
		if !strings.Contains(check.Run, want) {
			t.Errorf("the check step does not hold %q", want)
		}
	}
	if strings.Contains(check.Run, "secrets.") || strings.Contains(check.Run, "--api-key") {
		t.Error("the check step puts a secret on the command line (jtb reads them from the environment)")
	}
	uploads := job.uses("actions/upload-artifact")
	if len(uploads) != 1 || uploads[0].If != "always()" {
		t.Fatalf("want one upload step that runs always, got %+v", uploads)
	}
	paths := strings.Fields(uploads[0].With["path"])
	for _, want := range []string{"jtb-reports/junit.xml", "jtb-reports/report.html"} {
		if !contains(paths, want) {
			t.Errorf("the upload does not take %s: %v", want, paths)
		}
	}

	// The check step, run for real against a mock standing in for staging:
	// it passes, and leaves every file the upload takes and the summary.
	bin := jtbBinary(t)
	mock := mockserver.NewTestServer(t, mockserver.Options{ControlToken: "ctl-example-token"})
	dir := t.TempDir()
	summary := filepath.Join(dir, "step-summary.md")
	env := withSecrets(job.Env, map[string]string{"JTB_BASE_URL": mock.URL, "JTB_API_KEY": mock.AgentKeys[0],
		"JTB_API_KEY_B": mock.AgentKeys[1], "JTB_CONTROL_TOKEN": "ctl-example-token"})
	env["PATH"] = bin + string(os.PathListSeparator) + os.Getenv("PATH")
	env["GITHUB_STEP_SUMMARY"] = summary
	out, err := runStep(t, check, dir, env)
	if err != nil {
		t.Fatalf("the check step: %v\n%s", err, out)
	}
	for _, p := range paths {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("the upload's %s was not written: %v", p, err)
		}
	}
	md, err := os.ReadFile(summary)
	if err != nil || !strings.HasPrefix(string(md), "## ✅ jtb check: PASS") {
		t.Errorf("the job summary: %v\n%.300s", err, md)
	}
	if strings.Contains(out+string(md), "ctl-example-token") || strings.Contains(out+string(md), mock.AgentKeys[0]) {
		t.Error("the step's output or summary holds a secret")
	}
	// Without the base URL secret, the step stops instead of checking the in-process mock.
	env["JTB_BASE_URL"] = ""
	if out, err := runStep(t, check, t.TempDir(), env); err == nil || !strings.Contains(out, "JTB_BASE_URL secret is not set") {
		t.Errorf("without JTB_BASE_URL: %v\n%s", err, out)
	}
}

func TestAgentTestsWorkflow(t *testing.T) {
	w := readWorkflow(t, "agent-tests.yml")
	job, ok := w.Jobs["test"]
	if !ok {
		t.Fatal("no job test")
	}
	install := job.step(t, "Install jtb")
	if !strings.Contains(install.Run, `go install "github.com/jobtobot/jtb/cmd/jtb@${JTB_VERSION}"`) {
		t.Errorf("the install step: %q", install.Run)
	}
	start, wait, tests, stop := job.step(t, "Start jtb mock"), job.step(t, "Wait for jtb mock"), job.step(t, "Run the agent's tests"), job.step(t, "Stop jtb mock")
	if !strings.Contains(start.Run, `jtb mock --addr "$JTB_MOCK_ADDR"`) || !strings.Contains(start.Run, "&") {
		t.Errorf("the mock is not started in the background: %q", start.Run)
	}
	if !strings.Contains(wait.Run, "curl") || strings.Contains(wait.Run, "sleep 5") {
		t.Errorf("the wait step does not poll: %q", wait.Run)
	}
	if !strings.Contains(tests.Run, "go test") || stop.If != "always()" {
		t.Errorf("tests %q, stop if %q", tests.Run, stop.If)
	}
	if job.Env["JOBTOBOT_BASE_URL"] != "http://"+job.Env["JTB_MOCK_ADDR"] || job.Env["JOBTOBOT_API_KEY"] == "" {
		t.Errorf("the agent's env does not point at the mock: %v", job.Env)
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl on PATH: the steps are not run")
	}

	// Start, wait and stop, run for real on a free port: the wait step
	// returns once the mock answers, and the stop step ends it.
	bin := jtbBinary(t)
	runner := t.TempDir()
	addr := freeAddr(t)
	env := map[string]string{"JTB_MOCK_ADDR": addr, "RUNNER_TEMP": runner, "PATH": bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	if out, err := runStep(t, start, runner, env); err != nil {
		t.Fatalf("start: %v\n%s", err, out)
	}
	pidText, err := os.ReadFile(filepath.Join(runner, "jtb-mock.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(pidText)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGTERM) }) // the mock this test started, if the stop step did not end it
	out, err := runStep(t, wait, runner, env)
	if err != nil || !strings.Contains(out, "jtb mock answers after") {
		t.Fatalf("wait: %v\n%s", err, out)
	}
	resp, err := http.Get("http://" + addr + "/v1/tasks/available?limit=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the mock answers %d to a call without a key, want 401", resp.StatusCode)
	}
	if out, err := runStep(t, stop, runner, env); err != nil || !strings.Contains(out, "jtb mock: serving") {
		t.Errorf("stop: %v\n%s", err, out)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
