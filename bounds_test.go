package jtb_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/mockserver"
)

// TestLengthBoundsTurnAwayNothingTheMockAnswers measures what the mock
// answers at the edges of openapi.yaml's maxLength bounds on path and query
// strings: the longest category and the longest cursor it answers fit the
// bound, and a task id over 36 characters is the same 404 as before.
func TestLengthBoundsTurnAwayNothingTheMockAnswers(t *testing.T) {
	doc, err := jtb.LoadAgentAPI()
	if err != nil {
		t.Fatal(err)
	}
	bound := func(param string) int {
		return int(*doc.Components.Parameters[param].Value.Schema.Value.MaxLength)
	}
	if bound("TaskId") != taskIDMax || bound("Category") != queryMax || bound("Cursor") != queryMax {
		t.Fatalf("openapi.yaml bounds: taskId %d, category %d, cursor %d; this test measures %d, %d, %d",
			bound("TaskId"), bound("Category"), bound("Cursor"), taskIDMax, queryMax, queryMax)
	}
	ts := mockserver.NewTestServer(t, mockserver.Options{})
	addr := ts.Server.Listener.Addr().String()
	key := ts.AgentKeys[0]

	t.Run("category", func(t *testing.T) {
		longest, past := longestCategory(t, addr, key, 2*queryMax)
		if longest > queryMax || past != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("the mock answers a category of %d characters, then %d; want at most %d, then 431 (its head limit, not the bound)", longest, past, queryMax)
		}
		t.Logf("longest category the mock answers: %d characters (bound %d)", longest, queryMax)
	})

	t.Run("cursor", func(t *testing.T) {
		// A cursor is bound to its category, so the longest usable one
		// comes with the longest category that still leaves it room.
		probe := 0
		var cursorLen int
		status := func(n int) int {
			probe++
			category := fmt.Sprintf("%05d", probe) + strings.Repeat("c", max(n-5, 0))
			for range 2 {
				if _, err := ts.Control.CreateTask(t.Context(), mockserver.NewTask{Title: "t", Description: "d", Category: category, Band: "b", Price: "1.00"}); err != nil {
					t.Fatal(err)
				}
			}
			q := "/v1/tasks/available?limit=1&category=" + url.QueryEscape(category)
			code, body := rawGet(t, addr, key, q)
			if code != http.StatusOK {
				return code
			}
			var page struct {
				Data struct {
					Pagination struct {
						NextCursor string `json:"next_cursor"`
					} `json:"pagination"`
				} `json:"data"`
			}
			if err := json.Unmarshal(body, &page); err != nil || page.Data.Pagination.NextCursor == "" {
				t.Fatalf("first page of %q: %v %s", category[:10], err, body)
			}
			cursor := page.Data.Pagination.NextCursor
			code, _ = rawGet(t, addr, key, q+"&cursor="+url.QueryEscape(cursor))
			if code == http.StatusOK {
				cursorLen = len(cursor)
			}
			return code
		}
		longest, past := longestAnswered(t, status, queryMax)
		if cursorLen == 0 || cursorLen > queryMax || past != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("longest cursor the mock answers: %d characters, then %d; want 1 to %d, then 431", cursorLen, past, queryMax)
		}
		t.Logf("longest cursor the mock answers: %d characters, with a category of %d (bound %d)", cursorLen, longest, queryMax)
	})

	t.Run("task id", func(t *testing.T) {
		for _, n := range []int{taskIDMax + 1, 1000} {
			id := strings.Repeat("x", n)
			for _, path := range []string{"/bids", "/deliver", "/resubmit", "/progress", "/traces"} {
				method, body := http.MethodPost, `{}`
				if path == "/traces" {
					method, body = http.MethodGet, ""
				}
				req, err := http.NewRequestWithContext(t.Context(), method, ts.URL+"/v1/tasks/"+id+path, strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "application/json")
				resp, err := ts.Server.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s of a %d-character id: %d, want 404 (an unknown task)", path, n, resp.StatusCode)
				}
			}
		}
	})
}

// TestLengthBoundAnswersOnALargerServer is the other side: on a server that
// reads longer request heads than the mock, the category bound is what
// refuses a longer value (400), where the baseline document let it through.
// The measurement above tells the two apart by the status past the longest.
func TestLengthBoundAnswersOnALargerServer(t *testing.T) {
	m, err := mockserver.New(mockserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(m)
	srv.Config.MaxHeaderBytes = 4 * queryMax
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		m.Close()
	})
	longest, past := longestCategory(t, srv.Listener.Addr().String(), m.AgentKeys()[0], 8*queryMax)
	if longest != queryMax || past != http.StatusBadRequest {
		t.Errorf("longest category answered %d, then %d; want %d, then 400 from the bound", longest, past, queryMax)
	}
}

// longestCategory measures the longest category value a server answers, and
// the status of one character more.
func longestCategory(t *testing.T, addr, key string, hi int) (int, int) {
	t.Helper()
	return longestAnswered(t, func(n int) int {
		code, _ := rawGet(t, addr, key, "/v1/tasks/available?category="+strings.Repeat("a", n))
		return code
	}, hi)
}

// longestAnswered finds the largest n in [1, hi) for which status(n) is 200,
// given that status(1) is 200 and status(hi) is not, and the answer changes
// once as n grows; it returns n and the status of n+1.
func longestAnswered(t *testing.T, status func(n int) int, hi int) (int, int) {
	t.Helper()
	lo := 1
	if got := status(lo); got != http.StatusOK {
		t.Fatalf("status(%d) = %d, want 200", lo, got)
	}
	past := status(hi)
	if past == http.StatusOK {
		t.Fatalf("status(%d) = 200, want a refusal", hi)
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if got := status(mid); got == http.StatusOK {
			lo = mid
		} else {
			hi, past = mid, got
		}
	}
	return lo, past
}

// rawGet sends a GET with the fewest header bytes a real request needs (a
// Host and the key), so the longest value that fits is measured, not
// Go's client's headers.
func rawGet(t *testing.T, addr, key, target string) (int, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A head over the limit is answered 431 before it is read to the end,
	// so the write may fail; the answer is read all the same.
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n", target, key)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}
