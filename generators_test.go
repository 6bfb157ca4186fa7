package jtb_test

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/jobtobot/jtb"
)

// baselineDoc is openapi.yaml as main had it (86aa1b9) before the changes
// made for code generators (issue 17, item 8): `format: double` on numbers,
// explicit types on the oneOf branches, resubmitDeadline listed in the branch
// that requires it, no Cursor example, maxLength on path and query strings.
// Those changes must not move what a validator accepts, apart from the
// length bounds, whose every departure is a row below with its reason.
const baselineDoc = "testdata/openapi.main-86aa1b9.yaml"

// The length bounds of openapi.yaml's path and query strings.
const (
	taskIDMax = 36    // a UUID
	queryMax  = 69632 // 64 KiB + 4 KiB: what a Go server with the mock's limits reads of a request head
)

type contract struct {
	name   string
	doc    *openapi3.T
	router routers.Router
}

// loadContract loads a document; a broken one is not validated, as its
// own examples may break the rule it was broken in.
func loadContract(t *testing.T, name string, data []byte, validate bool) contract {
	t.Helper()
	jtb.RegisterFormats()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := doc.Validate(loader.Context); validate && err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return contract{name: name, doc: doc, router: router}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// probe asks one contract about one request, answer or schema value: nil
// means the contract accepts it.
type probe func(c contract) error

const task = "/v1/tasks/550e8400-e29b-41d4-a716-446655440000"

// request validates a request the way the mock does (auth aside).
func request(method, url, body string, header ...string) probe {
	return func(c contract) error {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, "http://127.0.0.1"+url, rd)
		if err != nil {
			return err
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		route, params, err := c.router.FindRoute(req)
		if err != nil {
			return fmt.Errorf("no route: %w", err)
		}
		return openapi3filter.ValidateRequest(req.Context(), &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		})
	}
}

// answer validates a response the way the suites do (IncludeResponseStatus).
func answer(method, path string, status int, body string) probe {
	return func(c contract) error {
		req, err := http.NewRequest(method, "http://127.0.0.1"+path, nil)
		if err != nil {
			return err
		}
		route, params, err := c.router.FindRoute(req)
		if err != nil {
			return fmt.Errorf("no route: %w", err)
		}
		header := http.Header{"Content-Type": {"application/json"}}
		if status == http.StatusUnauthorized {
			header.Set("WWW-Authenticate", `Bearer realm="jobtobot"`)
		}
		return openapi3filter.ValidateResponse(req.Context(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{
				Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
			},
			Status: status, Header: header,
			Body:    io.NopCloser(strings.NewReader(body)),
			Options: &openapi3filter.Options{IncludeResponseStatus: true},
		})
	}
}

// value validates a JSON value against a component schema.
func value(schema, data string) probe {
	return func(c contract) error {
		ref := c.doc.Components.Schemas[schema]
		if ref == nil {
			return fmt.Errorf("no schema %s", schema)
		}
		var v any
		if err := json.Unmarshal([]byte(data), &v); err != nil {
			return err
		}
		return c.doc.ValidateSchemaJSON(ref.Value, v)
	}
}

func delivery(status string, attempt int, verdict string, score string, deadline bool) string {
	s := `{"id":"0e4b8a3c-1f2d-4a5b-8c6d-7e8f9a0b1c2d","taskId":"550e8400-e29b-41d4-a716-446655440000","attempt":` +
		fmt.Sprint(attempt) + `,"status":"` + status + `","pdqg":{"score":` + score + `,"verdict":"` + verdict + `"}`
	if deadline {
		s += `,"resubmitDeadline":"2026-03-01T18:00:00.000Z"`
	}
	return s + `,"submittedAt":"2026-03-01T12:00:00.000Z"}`
}

func pagination(hasMore, cursor, total string) string {
	return `{"has_more":` + hasMore + `,"next_cursor":` + cursor + `,"total_estimate":` + total + `}`
}

func bid(price string) string {
	return `{"ok":true,"data":{"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","taskId":"550e8400-e29b-41d4-a716-446655440000",` +
		`"agentId":"9b2f4c1e-3d5a-4e6f-8a7b-0c1d2e3f4a5b","proposedPrice":` + price + `,"coverLetter":"c","status":"pending","createdAt":"2026-03-01T12:00:00.000Z"}}`
}

type verdictCase struct {
	name  string
	probe probe
	want  bool   // the verdict of both documents (the baseline's, when bound is set)
	bound string // set: a length bound of the new document refuses it, for this reason
}

// verdictCases are the hand-picked requests, answers and values: the
// examples, boundary prices and scores, long strings, each oneOf branch with
// and without resubmitDeadline.
func verdictCases() []verdictCase {
	long := func(n int, s string) string { return strings.Repeat(s, n) }
	const notUUID404 = "a task id longer than a UUID names no task: the mock answers 404 before any 400 check, with or without the bound"
	const noRoom = "longer than the request head the mock reads (64 KiB + 4 KiB): the mock answers 431 before any handler runs"
	return []verdictCase{
		// Listing: query strings and their new bounds.
		{"listing", request("GET", "/v1/tasks/available", ""), true, ""},
		{"limit 100 and a category", request("GET", "/v1/tasks/available?limit=100&category=coding", ""), true, ""},
		{"limit 0", request("GET", "/v1/tasks/available?limit=0", ""), false, ""},
		{"limit 101", request("GET", "/v1/tasks/available?limit=101", ""), false, ""},
		{"limit abc", request("GET", "/v1/tasks/available?limit=abc", ""), false, ""},
		{"the dropped cursor example is still a valid cursor string", request("GET", "/v1/tasks/available?cursor=eyJpZCI6Ii4uLiJ9", ""), true, ""},
		{"empty category", request("GET", "/v1/tasks/available?category=", ""), true, ""},
		{"category at the bound", request("GET", "/v1/tasks/available?category="+long(queryMax, "a"), ""), true, ""},
		{"category at the bound in two-byte characters", request("GET", "/v1/tasks/available?category="+long(queryMax, "%C3%A9"), ""), true, ""},
		{"category over the bound", request("GET", "/v1/tasks/available?category="+long(queryMax+1, "a"), ""), true, noRoom},
		{"cursor at the bound", request("GET", "/v1/tasks/available?cursor="+long(queryMax, "c"), ""), true, ""},
		{"cursor over the bound", request("GET", "/v1/tasks/available?cursor="+long(queryMax+1, "c"), ""), true, noRoom},
		// Task ids: plain strings (404 for a malformed one), now at most 36.
		{"uuid task id", request("POST", task+"/deliver", `{"content":"c"}`), true, ""},
		{"malformed task id", request("POST", "/v1/tasks/not-a-uuid/deliver", `{"content":"c"}`), true, ""},
		{"36 characters, not a uuid", request("GET", "/v1/tasks/"+long(36, "x")+"/traces", ""), true, ""},
		{"37 characters", request("GET", "/v1/tasks/"+long(37, "x")+"/traces", ""), true, notUUID404},
		{"1000 characters", request("POST", "/v1/tasks/"+long(1000, "x")+"/bids", `{"proposedPrice":1,"coverLetter":"c"}`), true, notUUID404},
		// Bids: the price is now format: double; its range is unchanged.
		{"bid 12.5 (the example)", request("POST", task+"/bids", `{"proposedPrice":12.5,"coverLetter":"c"}`, "Idempotency-Key", "k"), true, ""},
		{"bid 12.34", request("POST", task+"/bids", `{"proposedPrice":12.34,"coverLetter":"c"}`), true, ""},
		{"bid 0.01", request("POST", task+"/bids", `{"proposedPrice":0.01,"coverLetter":"c"}`), true, ""},
		{"bid 0.009", request("POST", task+"/bids", `{"proposedPrice":0.009,"coverLetter":"c"}`), false, ""},
		{"bid 0", request("POST", task+"/bids", `{"proposedPrice":0,"coverLetter":"c"}`), false, ""},
		{"bid -1", request("POST", task+"/bids", `{"proposedPrice":-1,"coverLetter":"c"}`), false, ""},
		{"bid 100000", request("POST", task+"/bids", `{"proposedPrice":100000,"coverLetter":"c"}`), true, ""},
		{"bid 100000.01", request("POST", task+"/bids", `{"proposedPrice":100000.01,"coverLetter":"c"}`), false, ""},
		{"bid 1e308", request("POST", task+"/bids", `{"proposedPrice":1e308,"coverLetter":"c"}`), false, ""},
		{"bid 3.5e38 (over float32)", request("POST", task+"/bids", `{"proposedPrice":3.5e38,"coverLetter":"c"}`), false, ""},
		{"bid 1e-50 (under float32)", request("POST", task+"/bids", `{"proposedPrice":1e-50,"coverLetter":"c"}`), false, ""},
		{"bid 12.345 (three decimals: not in the schema)", request("POST", task+"/bids", `{"proposedPrice":12.345,"coverLetter":"c"}`), true, ""},
		{"bid price as a string", request("POST", task+"/bids", `{"proposedPrice":"12.50","coverLetter":"c"}`), false, ""},
		{"bid without a price", request("POST", task+"/bids", `{"coverLetter":"c"}`), false, ""},
		{"cover letter 5000", request("POST", task+"/bids", `{"proposedPrice":1,"coverLetter":"`+long(5000, "é")+`"}`), true, ""},
		{"cover letter 5001", request("POST", task+"/bids", `{"proposedPrice":1,"coverLetter":"`+long(5001, "é")+`"}`), false, ""},
		{"blank cover letter", request("POST", task+"/bids", `{"proposedPrice":1,"coverLetter":"  "}`), false, ""},
		{"key 255", request("POST", task+"/deliver", `{"content":"c"}`, "Idempotency-Key", long(255, "k")), true, ""},
		{"key 256", request("POST", task+"/deliver", `{"content":"c"}`, "Idempotency-Key", long(256, "k")), false, ""},
		{"empty content", request("POST", task+"/resubmit", `{"content":""}`), false, ""},
		{"progress event 100", request("POST", task+"/progress", `{"event":"`+long(100, "e")+`","message":"m"}`), true, ""},
		{"progress event 101", request("POST", task+"/progress", `{"event":"`+long(101, "e")+`","message":"m"}`), false, ""},
		// Bid answers.
		{"bid answer 12.34", answer("POST", task+"/bids", 201, bid("12.34")), true, ""},
		{"bid answer 12.340000152587890625 (a float32's 12.34)", answer("POST", task+"/bids", 201, bid("12.340000152587890625")), true, ""},
		{"bid answer price as a string", answer("POST", task+"/bids", 201, bid(`"12.34"`)), false, ""},
		// DeliveryResult: each oneOf branch, with and without resubmitDeadline.
		{"rejected with a deadline", value("DeliveryResult", delivery("pdqg_failed", 1, "reject", "0.31", true)), true, ""},
		{"rejected without a deadline", value("DeliveryResult", delivery("pdqg_failed", 1, "reject", "0.31", false)), false, ""},
		{"rejected at 0.40", value("DeliveryResult", delivery("pdqg_failed", 1, "reject", "0.4", true)), false, ""},
		{"rejected on attempt 2", value("DeliveryResult", delivery("pdqg_failed", 2, "reject", "0.2", true)), false, ""},
		{"rejected with a deadline of null", value("DeliveryResult", strings.Replace(delivery("pdqg_failed", 1, "reject", "0.2", true), `"2026-03-01T18:00:00.000Z"`, "null", 1)), false, ""},
		{"final fail", value("DeliveryResult", delivery("pdqg_final_fail", 2, "reject", "0.2", false)), true, ""},
		{"final fail with a deadline", value("DeliveryResult", delivery("pdqg_final_fail", 2, "reject", "0.2", true)), false, ""},
		{"final fail on attempt 1", value("DeliveryResult", delivery("pdqg_final_fail", 1, "reject", "0.2", false)), false, ""},
		{"warn at 0.40", value("DeliveryResult", delivery("delivered", 1, "warn", "0.4", false)), true, ""},
		{"warn at 0.65", value("DeliveryResult", delivery("delivered", 2, "warn", "0.65", false)), true, ""},
		{"warn with a deadline", value("DeliveryResult", delivery("delivered", 1, "warn", "0.5", true)), false, ""},
		{"warn at 0.39", value("DeliveryResult", delivery("delivered", 1, "warn", "0.39", false)), false, ""},
		{"pass at 0.65", value("DeliveryResult", delivery("delivered", 1, "pass", "0.65", false)), false, ""},
		{"pass at 0.66", value("DeliveryResult", delivery("delivered", 1, "pass", "0.66", false)), true, ""},
		{"pass with a deadline", value("DeliveryResult", delivery("delivered", 1, "pass", "0.9", true)), false, ""},
		{"pass at 1.01", value("DeliveryResult", delivery("delivered", 1, "pass", "1.01", false)), false, ""},
		{"reject at -0.01", value("DeliveryResult", delivery("pdqg_failed", 1, "reject", "-0.01", true)), false, ""},
		{"score as a string", value("DeliveryResult", delivery("delivered", 1, "pass", `"0.9"`, false)), false, ""},
		{"status as a number", value("DeliveryResult", strings.Replace(delivery("delivered", 1, "pass", "0.9", false), `"delivered"`, "3", 1)), false, ""},
		{"attempt as a string", value("DeliveryResult", strings.Replace(delivery("delivered", 1, "pass", "0.9", false), `"attempt":1`, `"attempt":"1"`, 1)), false, ""},
		{"pdqg as an array", value("DeliveryResult", `{"id":"0e4b8a3c-1f2d-4a5b-8c6d-7e8f9a0b1c2d","taskId":"550e8400-e29b-41d4-a716-446655440000","attempt":1,"status":"delivered","pdqg":[],"submittedAt":"2026-03-01T12:00:00.000Z"}`), false, ""},
		{"delivery result as a string", value("DeliveryResult", `"delivered"`), false, ""},
		{"criterion", value("PdqgCriterion", `{"name":"relevance","weight":0.25,"score":0.74,"feedback":"f"}`), true, ""},
		{"criterion weight below 0", value("PdqgCriterion", `{"name":"relevance","weight":-0.01,"score":0.74,"feedback":"f"}`), false, ""},
		{"criterion score 1.5", value("PdqgCriterion", `{"name":"relevance","weight":0.25,"score":1.5,"feedback":"f"}`), false, ""},
		{"criterion weight 1e300", value("PdqgCriterion", `{"name":"relevance","weight":1e300,"score":1,"feedback":"f"}`), true, ""},
		// Pagination: the oneOf branches of PaginationRules.
		{"more pages", value("Pagination", pagination("true", `"abc"`, "42")), true, ""},
		{"more pages, null cursor", value("Pagination", pagination("true", "null", "42")), false, ""},
		{"more pages, empty cursor", value("Pagination", pagination("true", `""`, "42")), false, ""},
		{"last page", value("Pagination", pagination("false", "null", "0")), true, ""},
		{"last page with a cursor", value("Pagination", pagination("false", `"abc"`, "0")), false, ""},
		{"negative total", value("Pagination", pagination("false", "null", "-1")), false, ""},
		{"has_more as a string", value("Pagination", pagination(`"true"`, `"abc"`, "1")), false, ""},
		{"rules alone: more pages", value("PaginationRules", `{"has_more":true,"next_cursor":"c"}`), true, ""},
		{"rules alone: no fields", value("PaginationRules", `{}`), false, ""},
		{"rules alone: a string", value("PaginationRules", `"x"`), false, ""},
		{"rules alone: has_more 1", value("PaginationRules", `{"has_more":1,"next_cursor":"c"}`), false, ""},
	}
}

// differences reports every probe on which two contracts disagree, beyond
// the bound rows (on which only the baseline must accept and only the new
// document refuse).
func differences(cases []verdictCase, old, cur contract) []string {
	var out []string
	for _, tc := range cases {
		oldOK, curOK := tc.probe(old) == nil, tc.probe(cur) == nil
		wantCur := tc.want
		if tc.bound != "" {
			wantCur = false
		}
		if oldOK != tc.want || curOK != wantCur {
			out = append(out, fmt.Sprintf("%s: %s accepts %v, %s accepts %v; want %v and %v", tc.name, old.name, oldOK, cur.name, curOK, tc.want, wantCur))
		}
	}
	return out
}

func TestGeneratorChangesKeepEveryVerdict(t *testing.T) {
	old := loadContract(t, baselineDoc, readFile(t, baselineDoc), true)
	cur := loadContract(t, "openapi.yaml", readFile(t, "openapi.yaml"), true)
	cases := verdictCases()
	for _, d := range differences(cases, old, cur) {
		t.Error(d)
	}
	accepted := 0
	for _, tc := range cases {
		if tc.want {
			accepted++
		}
	}
	if accepted == 0 || accepted == len(cases) {
		t.Fatalf("%d of %d cases accepted: the table must hold both verdicts", accepted, len(cases))
	}

	// Every example of the baseline, and each of its variants, has one
	// verdict under both documents.
	same, valid, diffs := sweepExamples(t, old, cur)
	for _, d := range diffs {
		t.Error(d)
	}
	if valid == 0 || valid == same {
		t.Fatalf("the sweep found %d valid of %d variants: it must hold both verdicts", valid, same)
	}
	t.Logf("%d table cases (%d accepted), %d example variants (%d valid) agree", len(cases), accepted, same, valid)
}

// TestVerdictComparisonCatchesAChange runs the same comparison against
// openapi.yaml broken in one way each, and wants it to report something.
func TestVerdictComparisonCatchesAChange(t *testing.T) {
	old := loadContract(t, baselineDoc, readFile(t, baselineDoc), true)
	current := string(readFile(t, "openapi.yaml"))
	tests := []struct {
		name, from, to string
		sweep          bool // the example sweep alone must catch it
	}{
		{"branch no longer requires resubmitDeadline", "          required: [resubmitDeadline]\n", "", true},
		{"reject threshold made inclusive", "                  maximum: 0.4\n                  exclusiveMaximum: true\n", "                  maximum: 0.4\n", false},
		{"task id bound below a UUID", "        maxLength: 36\n", "        maxLength: 35\n", false},
		{"category bound below what the mock reads", "        maxLength: 69632\n      example: coding", "        maxLength: 256\n      example: coding", false},
		{"price minimum moved", "          minimum: 0.01\n", "          minimum: 0.001\n", true},
		{"has_more typed as a string", "              type: boolean\n              enum: [true]", "              type: string\n              enum: ['true']", true},
		{"criterion feedback untyped", "        feedback:\n          type: string\n", "        feedback: {}\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(current, tt.from) {
				t.Fatalf("openapi.yaml lacks %q", tt.from)
			}
			broken := loadContract(t, "broken", []byte(strings.Replace(current, tt.from, tt.to, 1)), false)
			if tt.sweep {
				if _, _, diffs := sweepExamples(t, old, broken); len(diffs) == 0 {
					t.Error("the example sweep found no change")
				}
			}
			if len(differences(verdictCases(), old, broken)) == 0 && !tt.sweep {
				t.Error("no verdict of the table changed")
			}
		})
	}
}

// sweepExamples validates every request and response example of old, and
// variants of each (every field removed, or replaced by values picked to sit
// on the document's bounds), against the same media schema in both
// contracts. It returns how many variants agree, how many of those are
// valid, and each disagreement.
func sweepExamples(t *testing.T, old, cur contract) (same, valid int, diffs []string) {
	t.Helper()
	seen := map[string]bool{} // shared responses repeat their examples
	for where, pair := range mediaPairs(t, old, cur) {
		for i, ex := range pair.examples {
			data, _ := json.Marshal(ex)
			key := fmt.Sprintf("%p %p %s", pair.old, pair.cur, data)
			if seen[key] {
				continue
			}
			seen[key] = true
			for _, v := range variants(ex) {
				// FailFast: the verdict without the cost of a detailed error.
				oldErr := old.doc.ValidateSchemaJSON(pair.old, v.value, openapi3.FailFast())
				curErr := cur.doc.ValidateSchemaJSON(pair.cur, v.value, openapi3.FailFast())
				if (oldErr == nil) != (curErr == nil) {
					diffs = append(diffs, fmt.Sprintf("%s example %d, %s: %s %v, %s %v", where, i, v.what, old.name, oldErr, cur.name, curErr))
					continue
				}
				same++
				if oldErr == nil {
					valid++
				}
			}
		}
	}
	return same, valid, diffs
}

type mediaPair struct {
	old, cur *openapi3.Schema
	examples []any
}

// mediaPairs finds each request and response media type of old, its
// examples and the schema of the same media type in cur.
func mediaPairs(t *testing.T, old, cur contract) map[string]mediaPair {
	t.Helper()
	pairs := map[string]mediaPair{}
	add := func(where string, o, c openapi3.Content) {
		for mt, media := range o {
			other := c.Get(mt)
			if other == nil {
				t.Errorf("%s %s: not in %s", where, mt, cur.name)
				continue
			}
			p := mediaPair{old: media.Schema.Value, cur: other.Schema.Value}
			if media.Example != nil {
				p.examples = append(p.examples, jsonValue(t, media.Example))
			}
			for _, name := range slices.Sorted(maps.Keys(media.Examples)) {
				p.examples = append(p.examples, jsonValue(t, media.Examples[name].Value.Value))
			}
			pairs[where+" "+mt] = p
		}
	}
	for path, item := range old.doc.Paths.Map() {
		curItem := cur.doc.Paths.Value(path)
		if curItem == nil {
			t.Errorf("%s: not in %s", path, cur.name)
			continue
		}
		for method, op := range item.Operations() {
			curOp := curItem.GetOperation(method)
			if curOp == nil {
				t.Errorf("%s %s: not in %s", method, path, cur.name)
				continue
			}
			if op.RequestBody != nil {
				add(method+" "+path+" request", op.RequestBody.Value.Content, curOp.RequestBody.Value.Content)
			}
			for status, resp := range op.Responses.Map() {
				curResp := curOp.Responses.Value(status)
				if curResp == nil {
					t.Errorf("%s %s %s: not in %s", method, path, status, cur.name)
					continue
				}
				add(method+" "+path+" "+status, resp.Value.Content, curResp.Value.Content)
			}
		}
	}
	return pairs
}

// jsonValue turns a YAML-loaded example into what encoding/json decodes.
func jsonValue(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

type variant struct {
	what  string
	value any
}

type substitute struct {
	name  string
	value any
}

// substitutes sit on the document's bounds: the PDQG thresholds, the price
// range, the attempt and status values, timestamps, long strings.
func substitutes() []substitute {
	values := []any{
		nil, "", "x", strings.Repeat("é", 5001), true, false, map[string]any{}, []any{},
		-1.0, 0.0, 0.005, 0.01, 0.39, 0.4, 0.41, 0.65, 0.66, 1.0, 1.01, 2.0, 12.34, 100000.0, 100000.01, 3.5e38,
		"2026-03-01T18:00:00.000Z", "2026-03-01T18:00:00+01:00", "550e8400-e29b-41d4-a716-446655440000",
		"pdqg_failed", "pdqg_final_fail", "delivered", "reject", "warn", "pass", "open", "abc",
	}
	out := make([]substitute, len(values))
	for i, v := range values {
		name := fmt.Sprintf("%#v", v)
		if len(name) > 40 {
			name = name[:40] + "..."
		}
		out[i] = substitute{name, v}
	}
	return out
}

// variants returns v itself, then for every node of v: the node replaced by
// each substitute, and for object members the member removed. An object
// also gets a resubmitDeadline added, the field the oneOf turns on.
func variants(v any) []variant {
	out := []variant{{"as is", v}}
	subs := substitutes()
	var walk func(path string, node any, set func(any) any)
	walk = func(path string, node any, set func(any) any) {
		for _, s := range subs {
			out = append(out, variant{path + " = " + s.name, set(s.value)})
		}
		switch n := node.(type) {
		case map[string]any:
			with := maps.Clone(n)
			with["resubmitDeadline"] = "2026-03-01T18:00:00.000Z"
			out = append(out, variant{path + " + resubmitDeadline", set(with)})
			for _, k := range slices.Sorted(maps.Keys(n)) {
				without := maps.Clone(n)
				delete(without, k)
				out = append(out, variant{path + "." + k + " removed", set(without)})
				walk(path+"."+k, n[k], func(x any) any {
					c := maps.Clone(n)
					c[k] = x
					return set(c)
				})
			}
		case []any:
			for i := range n {
				walk(fmt.Sprintf("%s[%d]", path, i), n[i], func(x any) any {
					c := slices.Clone(n)
					c[i] = x
					return set(c)
				})
			}
		}
	}
	walk("$", v, func(x any) any { return x })
	return out
}
