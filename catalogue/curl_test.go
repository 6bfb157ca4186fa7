package catalogue

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestCurlExamplesParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Curl
		wantErr string
	}{
		{"a GET with a header", "curl https://x/a?b=1&c=2 \\\n  -H \"Authorization: Bearer k\"\n",
			[]Curl{{Method: "GET", URL: "https://x/a?b=1&c=2", Headers: [][2]string{{"Authorization", "Bearer k"}}}}, ""},
		{"-d is a POST, quotes keep new lines", "text\ncurl https://x/b -H 'Content-Type: application/json' -d '{\n  \"a\": \"x\\ny\"\n}'\nmore text",
			[]Curl{{Method: "POST", URL: "https://x/b", Headers: [][2]string{{"Content-Type", "application/json"}}, Body: "{\n  \"a\": \"x\\ny\"\n}", HasBody: true}}, ""},
		{"-X, $(...) left for the caller", "curl -X POST https://x/c \\\n  -H \"Idempotency-Key: $(uuidgen)\"\n",
			[]Curl{{Method: "POST", URL: "https://x/c", Headers: [][2]string{{"Idempotency-Key", "$(uuidgen)"}}}}, ""},
		{"escapes in double quotes", `curl https://x/d -H "X: a \"b\" \\c"` + "\n",
			[]Curl{{Method: "GET", URL: "https://x/d", Headers: [][2]string{{"X", `a "b" \c`}}}}, ""},
		{"curl inside prose is no command", "say curl https://x/e here\n", nil, ""},
		{"two commands", "curl https://x/1\ncurl https://x/2\n",
			[]Curl{{Method: "GET", URL: "https://x/1"}, {Method: "GET", URL: "https://x/2"}}, ""},
		{"unterminated quote", "curl https://x -d '{\n", nil, "unterminated single quote"},
		{"unknown option", "curl -s https://x\n", nil, "option -s"},
		{"no URL", "curl -H 'A: b'\n", nil, "no URL"},
		{"a header without a colon", "curl https://x -H nocolon\n", nil, "no colon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CurlExamples(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// TestSeedCurlExamples: the page's six examples, in its order.
func TestSeedCurlExamples(t *testing.T) {
	seed, err := os.ReadFile(filepath.Join("testdata", "seed.txt"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := CurlExamples(string(seed))
	if err != nil {
		t.Fatal(err)
	}
	const task = "https://api.jobtobot.com/v1/tasks/550e8400-e29b-41d4-a716-446655440000/"
	want := []struct{ method, url string }{
		{"GET", "https://api.jobtobot.com/v1/tasks/available?category=coding&limit=10"},
		{"POST", task + "bids"},
		{"POST", task + "deliver"},
		{"POST", task + "progress"},
		{"GET", task + "traces"},
		{"POST", task + "resubmit"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d curl examples, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		c := got[i]
		if c.Method != w.method || c.URL != w.url || c.Header("Authorization") != "Bearer jtb_live_your_api_key_here" {
			t.Errorf("example %d: %s %s (auth %q), want %s %s", i+1, c.Method, c.URL, c.Header("Authorization"), w.method, w.url)
		}
		if c.Method == "POST" && (!c.HasBody || c.Header("Idempotency-Key") != "$(uuidgen)" || c.Header("Content-Type") != "application/json") {
			t.Errorf("example %d: a POST without its JSON body or Idempotency-Key: %+v", i+1, c)
		}
	}
}
