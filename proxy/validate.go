package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// verdict is what validation said of one request or answer.
type verdict struct {
	// problem is why the strict document refused it; "" when it did not.
	problem string
	// inferredOnly: the relaxed copy accepts it, so only an inferred part
	// (x-jtb-inferred) refused it: a warning, not an error.
	inferredOnly bool
	pointer      string // the JSON pointer of the first schema error, "" if none
	param        string // the parameter refused, "" if none
}

// facts is what the proxy learns from one upstream answer before it is
// relayed; identical answers give identical facts, so they are memoised.
type facts struct {
	notJSON bool
	verdict verdict
	listed  []string // the task ids of a listing answer
}

// validator validates against openapi.yaml and its relaxed copy.
type validator struct {
	opts *openapi3filter.Options
	// responseHeaders are the headers validation reads: a memo key holds
	// their values beside the body.
	responseHeaders []string
	answers         memo[*facts]
	requests        memo[verdict]
	// noMemo validates every answer afresh: the benchmarks measure what
	// the memo saves with it.
	noMemo bool
}

func newValidator() *validator {
	// SkipSettingDefaults: kin-openapi would otherwise write the defaults
	// of absent parameters (limit=20) into the request, which the proxy
	// then forwards: it must forward what the agent sent.
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: false, SkipSettingDefaults: true,
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	// One line per problem with the path of the field, not kin-openapi's
	// dump of the schema.
	opts.WithCustomSchemaErrorFunc(func(e *openapi3.SchemaError) string {
		reason := e.Reason
		if reason == "" && e.Origin != nil {
			reason = e.Origin.Error()
		}
		if reason == "" {
			reason = "does not match the schema's " + e.SchemaField
		}
		if p := e.JSONPointer(); len(p) > 0 {
			return "/" + strings.Join(p, "/") + ": " + reason
		}
		return reason
	})
	return &validator{
		opts:            opts,
		responseHeaders: []string{"Content-Type", "Idempotent-Replayed", "Www-Authenticate"},
		answers:         newMemo[*facts](),
		requests:        newMemo[verdict](),
	}
}

// request validates the agent's request. body is the whole body (nil for
// none).
func (v *validator) request(op *operation, r *http.Request, params []string, body []byte) verdict {
	// A request without a body is its route, query and headers: the
	// listing, polled in a loop, is validated once per distinct query.
	memoKey := ""
	if len(body) == 0 && !op.post() {
		memoKey = op.id + "?" + r.URL.RawQuery
		if got, ok := v.requests.get(memoKey, 0, nil); ok && !v.noMemo {
			return got
		}
	}
	check := func(route *routers.Route) error {
		req := r.WithContext(context.Background())
		if body != nil {
			req.Body = io.NopCloser(bytes.NewReader(body))
		} else {
			req.Body = http.NoBody
		}
		in := &openapi3filter.RequestValidationInput{Request: req, Route: route, Options: v.opts}
		if len(params) > 0 {
			in.PathParams = map[string]string{"taskId": params[0]}
		}
		return openapi3filter.ValidateRequest(context.Background(), in)
	}
	out := v.judge(check(op.strict), func() error { return check(op.relaxed) })
	if memoKey != "" {
		v.requests.put(memoKey, 0, nil, out)
	}
	return out
}

// answer validates an upstream answer and reads what the model needs of a
// listing. body is the decoded body (gzip undone).
func (v *validator) answer(op *operation, status int, header http.Header, body []byte) *facts {
	var sig strings.Builder
	sig.WriteString(op.id)
	for _, h := range v.responseHeaders {
		sig.WriteByte('\n')
		for _, val := range header.Values(h) {
			sig.WriteString(val)
			sig.WriteByte(',')
		}
	}
	key := sig.String()
	if got, ok := v.answers.get(key, status, body); ok && !v.noMemo {
		return got
	}
	f := &facts{}
	// A listing's ids are read in the pass that tells JSON from not JSON.
	if op.kind == opList && status/100 == 2 {
		f.listed, f.notJSON = listedIDs(body)
	} else {
		f.notJSON = !json.Valid(body)
	}
	if !f.notJSON {
		check := func(route *routers.Route) error {
			in := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: op.probe, Route: route, Options: v.opts},
				Status:                 status, Header: header, Options: v.opts,
			}
			in.SetBodyBytes(body)
			return openapi3filter.ValidateResponse(context.Background(), in)
		}
		f.verdict = v.judge(check(op.strict), func() error { return check(op.relaxed) })
	}
	v.answers.put(key, status, body, f)
	return f
}

// judge is the two-tier rule: a refusal of the strict document that the
// relaxed copy accepts is a departure from an inferred part only.
func (v *validator) judge(strictErr error, relaxed func() error) verdict {
	if strictErr == nil {
		return verdict{}
	}
	out := verdict{problem: describe(strictErr)}
	out.inferredOnly = relaxed() == nil
	var se *openapi3.SchemaError
	if errors.As(strictErr, &se) {
		out.pointer = "/" + strings.Join(se.JSONPointer(), "/")
	}
	var re *openapi3filter.RequestError
	if errors.As(strictErr, &re) && re.Parameter != nil {
		out.param = re.Parameter.Name
	}
	return out
}

// describe is a validation error on one line.
func describe(err error) string {
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		reason := re.Reason
		if re.Err != nil {
			if reason == "" {
				reason = re.Err.Error()
			} else {
				reason += ": " + re.Err.Error()
			}
		}
		switch {
		case re.Parameter != nil:
			return fmt.Sprintf("%s parameter %q: %s", re.Parameter.In, re.Parameter.Name, oneLine(reason))
		case re.RequestBody != nil:
			return "request body: " + oneLine(reason)
		}
		return oneLine(reason)
	}
	return oneLine(err.Error())
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

// listedIDs reads the task ids of a listing answer; notJSON says the body
// is not JSON at all. A body of another shape lists nothing.
func listedIDs(body []byte) (ids []string, notJSON bool) {
	var page struct {
		Data struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		var syntax *json.SyntaxError
		return nil, errors.As(err, &syntax) || len(bytes.TrimSpace(body)) == 0
	}
	ids = make([]string, 0, len(page.Data.Items))
	for _, it := range page.Data.Items {
		if it.ID != "" {
			ids = append(ids, it.ID)
		}
	}
	return ids, false
}

// memo remembers results by (key, status, body). An entry holds its own
// copy of the body and a hit compares it in full, so a hit is exact, never
// a hash collision. It is bounded: when full it starts again empty.
type memo[V any] struct {
	mu      sync.RWMutex
	seed    maphash.Seed
	entries map[uint64][]memoEntry[V]
	size    int // bytes held
}

type memoEntry[V any] struct {
	key    string
	status int
	body   []byte
	value  V
}

const (
	memoMaxBytes = 32 << 20
	memoMaxBody  = 256 << 10 // larger answers are validated every time
)

func newMemo[V any]() memo[V] {
	return memo[V]{seed: maphash.MakeSeed(), entries: map[uint64][]memoEntry[V]{}}
}

func (m *memo[V]) hash(key string, status int, body []byte) uint64 {
	var h maphash.Hash
	h.SetSeed(m.seed)
	h.WriteString(key)
	h.WriteByte(byte(status >> 8))
	h.WriteByte(byte(status))
	h.Write(body)
	return h.Sum64()
}

func (m *memo[V]) get(key string, status int, body []byte) (V, bool) {
	var zero V
	if len(body) > memoMaxBody {
		return zero, false
	}
	h := m.hash(key, status, body)
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, e := range m.entries[h] {
		if e.status == status && e.key == key && bytes.Equal(e.body, body) {
			return e.value, true
		}
	}
	return zero, false
}

func (m *memo[V]) put(key string, status int, body []byte, v V) {
	if len(body) > memoMaxBody {
		return
	}
	h := m.hash(key, status, body)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.size+len(body)+len(key) > memoMaxBytes {
		m.entries, m.size = map[uint64][]memoEntry[V]{}, 0
	}
	m.entries[h] = append(m.entries[h], memoEntry[V]{key: key, status: status, body: bytes.Clone(body), value: v})
	m.size += len(body) + len(key) + 64
}
