package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jobtobot/jtb/internal/version"
)

func TestVersionPrintsVersionAndClauses(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"version"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	info := version.Read()
	out := stdout.String()
	for _, want := range []string{"jtb " + info.Version, info.Go, regexp.QuoteMeta(info.Catalogue.SHA256)} {
		if !strings.Contains(out, want) {
			t.Errorf("jtb version does not say %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`(?m)^catalogue +\d+ clauses, sha256:[0-9a-f]{12}`).MatchString(out) {
		t.Errorf("jtb version does not say N clauses and the digest:\n%s", out)
	}
	stdout.Reset()
	if code := run(t.Context(), []string{"version", "--json"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("--json: exit %d: %s", code, stderr.String())
	}
	var got version.Info
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil || got.Catalogue.Clauses != info.Catalogue.Clauses || got.Version != info.Version {
		t.Errorf("--json: %v %+v", err, got)
	}
}

// A binary built with go build in a git clone names the revision it was
// built from. (The go command stamps no revision in a git worktree, nor
// under GOFLAGS=-buildvcs=false, so the test builds in a clone of its own.)
func TestVersionOfABuildInAClone(t *testing.T) {
	if testing.Short() {
		t.Skip("builds jtb in a fresh clone")
	}
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git on PATH")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	gitOut := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command(git, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Skipf("git %v in %s: %v\n%s", args, dir, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	rev := gitOut(root, "rev-parse", "HEAD")
	clone := filepath.Join(t.TempDir(), "jtb")
	gitOut(root, "clone", "--quiet", "--no-checkout", root, clone)
	gitOut(clone, "checkout", "--quiet", rev)

	bin := filepath.Join(t.TempDir(), "jtb")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, "./cmd/jtb")
	build.Dir = clone
	build.Env = append(os.Environ(), "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var info version.Info
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatal(err)
	}
	if info.Revision != rev || info.Modified {
		t.Errorf("the clone's build says revision %q (modified %v), want %q, clean", info.Revision, info.Modified, rev)
	}
	if !strings.Contains(info.Short(), rev[:12]) {
		t.Errorf("the short version %q does not name the revision", info.Short())
	}
	text, _ := exec.Command(bin, "version").Output()
	if !strings.Contains(string(text), "revision   "+rev) {
		t.Errorf("jtb version does not print the revision:\n%s", text)
	}
}
