package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const goodDelivery = "../../fixtures/deliveries/summarization-earnings.md"

func TestPDQGScore(t *testing.T) {
	dir := t.TempDir()
	task := writeFile(t, dir, "task.json", `{"title":"Summarize Q3 2025 earnings report","description":"Summary of revenue, margins, segment performance and guidance.","category":"summarization","id":"ignored","price":"15.00"}`)
	envelope := writeFile(t, dir, "env.json", `{"ok":true,"data":{"title":"Summarize Q3 2025 earnings report","description":"revenue and margins","category":"summarization"}}`)
	badJSON := writeFile(t, dir, "bad.json", `{"title":`)
	emptyTask := writeFile(t, dir, "empty.json", `{"category":"x"}`)
	binary := writeFile(t, dir, "bin.md", "PK\x03\x04\x00\x00binary")
	latin1 := writeFile(t, dir, "latin1.md", "caf\xe9 au lait")
	blank := writeFile(t, dir, "blank.md", " \n\t\n")
	tooBig := writeFile(t, dir, "big.md", strings.Repeat("Revenue grew 15% to $4.2B.\n", maxDelivery/27+1))
	junk := writeFile(t, dir, "junk.md", "asdkj qwrtz xcvbn plmkjn !!! @@## zxcv qwrt bnmm ;;; sdfgh jklpp $$$ %%% ^^^")

	tests := []struct {
		name     string
		args     []string
		stdin    string
		wantCode int
		wantOut  string // substring of stdout
		wantErr  string // substring of stderr; stderr must be one line when set
	}{
		{"readable breakdown", []string{"score", goodDelivery, "--task", task}, "", exitOK, "verdict pass", ""},
		{"flags before file", []string{"score", "--task", task, goodDelivery}, "", exitOK, "relevance", ""},
		{"api envelope task", []string{"score", goodDelivery, "--task", envelope}, "", exitOK, "PDQG score", ""},
		{"stdin", []string{"score", "-"}, "## Title\n\nRevenue grew 15% to $4.2B in Q3 2025.\n", exitFail, "not scored: no task was given", ""},
		{"json", []string{"score", goodDelivery, "--json"}, "", exitOK, `"criteria"`, ""},
		{"reject exits 1", []string{"score", junk}, "", exitFail, "verdict reject", ""},
		{"missing file", []string{"score", filepath.Join(dir, "nope.md")}, "", exitConfig, "", "cannot read delivery"},
		{"invalid task json", []string{"score", goodDelivery, "--task", badJSON}, "", exitConfig, "", "not valid JSON"},
		{"task without title", []string{"score", goodDelivery, "--task", emptyTask}, "", exitConfig, "", "neither title nor description"},
		{"missing task file", []string{"score", goodDelivery, "--task", filepath.Join(dir, "no.json")}, "", exitConfig, "", "cannot read task"},
		{"binary", []string{"score", binary}, "", exitConfig, "", "looks binary"},
		{"not utf-8", []string{"score", latin1}, "", exitConfig, "", "looks binary"},
		{"empty", []string{"score", blank}, "", exitConfig, "", "is empty"},
		{"over 1 MiB", []string{"score", tooBig}, "", exitConfig, "", "larger than 1 MiB"},
		{"over 1 MiB on stdin", []string{"score", "-"}, strings.Repeat("x ", maxDelivery/2+1), exitConfig, "", "standard input is larger than 1 MiB"},
		{"no file", []string{"score"}, "", exitConfig, "", "want exactly one FILE"},
		{"two files", []string{"score", goodDelivery, goodDelivery}, "", exitConfig, "", "want exactly one FILE"},
		{"unknown flag", []string{"score", goodDelivery, "--nope"}, "", exitConfig, "", "flag provided but not defined"},
		{"no subcommand", nil, "", exitConfig, "", ""},
		{"help", []string{"-h"}, "", exitOK, "Usage: jtb pdqg score", ""},
		{"score help", []string{"score", "-h"}, "", exitOK, "Usage: jtb pdqg score", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runPDQG(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantOut, stdout.String())
			}
			if tt.wantErr != "" {
				if !strings.Contains(stderr.String(), tt.wantErr) {
					t.Errorf("stderr lacks %q: %s", tt.wantErr, stderr.String())
				}
				if n := strings.Count(strings.TrimSpace(stderr.String()), "\n"); n != 0 {
					t.Errorf("error is %d lines, want one: %s", n+1, stderr.String())
				}
			}
		})
	}
}

func TestPDQGScoreJSONShape(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runPDQG([]string{"score", "--json", goodDelivery}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var got map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"score", "verdict", "version", "criteria", "next_line", "language", "missing_terms"} {
		if _, ok := got[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, stdout.String())
		}
	}
	next, _ := got["next_line"].(map[string]any)
	if next["line"] != 0.65 || next["distance"] == nil || !strings.Contains(fmt.Sprint(next["text"]), "above the 0.65 line") {
		t.Errorf("next_line %v for a passing delivery", next)
	}
	crit, _ := got["criteria"].([]any)
	if len(crit) == 0 {
		t.Fatalf("no criteria: %s", stdout.String())
	}
	for _, c := range crit {
		m := c.(map[string]any)
		if len(m) != 4 || m["name"] == nil || m["weight"] == nil || m["score"] == nil || m["feedback"] == nil {
			t.Errorf("criterion %v: want exactly name, weight, score, feedback", m)
		}
	}
}

// A thin, on-topic delivery that is rejected is told what it lacks: the
// text output names at least two of the task's terms it never uses (and
// they are indeed absent from it) and how far it is from 0.40.
func TestPDQGScoreSaysWhatToDo(t *testing.T) {
	dir := t.TempDir()
	task := writeFile(t, dir, "task.json", `{"title":"Summarize Q3 2025 earnings report","description":"Read the attached 10-Q filing and produce a concise summary of revenue, margins, segment performance and guidance for the next quarter.","category":"summarization"}`)
	const thin = "Earnings were good this quarter. Revenue went up and things look fine for next quarter.\n"
	var stdout, stderr bytes.Buffer
	if code := runPDQG([]string{"score", "-", "--task", task}, strings.NewReader(thin), &stdout, &stderr); code != exitFail {
		t.Fatalf("exit %d, want %d (reject)\n%s%s", code, exitFail, stdout.String(), stderr.String())
	}
	out := stdout.String()
	line := regexp.MustCompile(`(?m)^task terms it never uses: (.*)$`).FindStringSubmatch(out)
	if line == nil {
		t.Fatalf("no missing terms in the output:\n%s", out)
	}
	terms := regexp.MustCompile(`"([^"]+)"`).FindAllStringSubmatch(line[1], -1)
	if len(terms) < 2 {
		t.Errorf("%d missing terms named, want at least 2: %s", len(terms), line[0])
	}
	for _, m := range terms {
		if strings.Contains(strings.ToLower(thin), strings.ToLower(m[1])) {
			t.Errorf("%q is named as missing but the delivery uses it", m[1])
		}
	}
	dist := regexp.MustCompile(`(\d\.\d+) short of 0\.40`).FindStringSubmatch(out)
	score := regexp.MustCompile(`PDQG score (\d\.\d+)`).FindStringSubmatch(out)
	if dist == nil || score == nil {
		t.Fatalf("no distance to 0.40 in the output:\n%s", out)
	}
	var d, sc float64
	fmt.Sscan(dist[1], &d)
	fmt.Sscan(score[1], &sc)
	if diff := 0.40 - sc - d; diff > 0.005 || diff < -0.005 {
		t.Errorf("distance %v for score %v: they do not add up to 0.40", d, sc)
	}

	// The same in --json.
	stdout.Reset()
	runPDQG([]string{"score", "-", "--task", task, "--json"}, strings.NewReader(thin), &stdout, &stderr)
	var res struct {
		Score    float64
		NextLine struct {
			Line, Distance float64
		} `json:"next_line"`
		MissingTerms []string `json:"missing_terms"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.NextLine.Line != 0.40 || res.NextLine.Distance >= 0 || len(res.MissingTerms) < 2 {
		t.Errorf("--json: next_line %+v, missing_terms %q", res.NextLine, res.MissingTerms)
	}
}
