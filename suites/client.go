package suites

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/jobtobot/jtb/suites/results"
	. "github.com/onsi/ginkgo/v2"
)

// keyPattern matches anything that looks like an Agent API key.
var keyPattern = regexp.MustCompile(`jtb_live_[A-Za-z0-9_\-]+`)

// Redactor hides secrets (API keys, the control token) in anything printed.
type Redactor struct {
	secrets []string
}

// NewRedactor hides these secrets, and every jtb_live_ key whatever it is.
func NewRedactor(secrets ...string) Redactor {
	var r Redactor
	for _, s := range secrets {
		if s != "" {
			r.secrets = append(r.secrets, s)
		}
	}
	return r
}

// String returns s with every secret replaced.
func (r Redactor) String(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, Redacted)
	}
	return keyPattern.ReplaceAllString(s, "jtb_live_"+Redacted)
}

// longest is the length of the longest secret it knows.
func (r Redactor) longest() int {
	n := 0
	for _, s := range r.secrets {
		n = max(n, len(s))
	}
	return n
}

// Bytes is String for byte slices (reports).
func (r Redactor) Bytes(b []byte) []byte { return []byte(r.String(string(b))) }

// Which API a client talks to, as results.Exchange names it.
const (
	apiAgent   = "agent"
	apiControl = "control"
)

// ClauseExtension names, in control-api.yaml, the CTL clause of an
// operation: its answers' departures from the document are findings of it.
const ClauseExtension = "x-jtb-clause"

// Client is the one thin HTTP client of the suite: it sends a request as one
// caller, validates every answer against an OpenAPI document and keeps the
// exchange for failure messages.
type Client struct {
	http   *http.Client
	base   string         // scheme://host[/prefix], no trailing slash
	api    string         // apiAgent or apiControl
	router routers.Router // the contract answers are validated against
	// relaxed is the same contract with every inferred part accepting
	// anything; nil: every departure from router fails the spec.
	relaxed routers.Router
	// harness: the control API, the suite's harness: a departure from its
	// document is a finding of the operation's clause (ClauseExtension),
	// never a failure of the spec that made the call.
	harness bool
	doc     string      // the contract's file name, for messages
	as      string      // who is calling, for messages
	auth    string      // the Authorization header value, "" for none
	header  http.Header // sent on every request (Target.Headers), before the request's own
	redact  Redactor
	life    *lifeline    // shared by the clients of one run; nil: never give up
	spec    *specContext // the running spec's context; nil: none
	capture *Capture     // keeps every exchange for the reports; nil: none
}

// specContext holds the context of the spec that is running, Ginkgo's
// SpecContext: an interrupt or a spec timeout cancels it, and with it the
// request in flight. Ginkgo runs one spec at a time in a process; the
// spec's own goroutines share its context.
type specContext struct {
	mu  sync.Mutex
	ctx context.Context
}

func (s *specContext) set(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ctx = ctx
}

func (s *specContext) get() context.Context {
	if s == nil {
		return context.Background()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil {
		return context.Background()
	}
	return s.ctx
}

// Request is one call; Path is relative to the client's base URL.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	// Auth, when set, replaces the caller's Authorization value; NoAuth sends none.
	Auth   string
	NoAuth bool
}

// Exchange is a request and its answer, as the spec saw them.
type Exchange struct {
	Method, Path, As string
	API              string // apiAgent or apiControl
	RequestBody      []byte
	Status           int
	Header           http.Header
	Body             []byte
	// Truncated says the answer's body was longer than MaxBody and Body
	// holds only its first MaxBody bytes.
	Truncated bool

	redact Redactor
}

// MaxBody caps how much of an answer the suite reads: no answer of the
// contract comes near it, and a target that streams without end must not
// exhaust the run's memory.
const MaxBody = 2 << 20

// Record is the exchange as the results keep it: redacted, then cut (a cut
// never leaves part of a secret behind).
func (x *Exchange) Record() *results.Exchange {
	if x == nil {
		return nil
	}
	return &results.Exchange{
		API: x.API, Method: x.Method, Path: x.redact.String(x.Path), As: x.As,
		RequestBody: results.Cut(x.redact.String(string(x.RequestBody)), results.MaxRequestBody),
		Status:      x.Status, ContentType: x.redact.String(x.Header.Get("Content-Type")),
		Body:      results.Cut(x.redact.String(string(x.Body)), results.MaxAnswerBody),
		BodyBytes: len(x.Body), Truncated: x.Truncated,
	}
}

// String renders the exchange for a failure message, secrets redacted.
func (x *Exchange) String() string {
	if x == nil {
		return "(no exchange)"
	}
	return x.Record().String()
}

// Envelope is the decoded body of an answer.
type Envelope struct {
	OK    *bool           `json:"ok"`
	Data  json.RawMessage `json:"data"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Envelope decodes the body; it fails the spec when the body is not JSON.
func (x *Exchange) Envelope() Envelope {
	GinkgoHelper()
	var env Envelope
	if err := json.Unmarshal(x.Body, &env); err != nil {
		Fail(fmt.Sprintf("the answer is not a JSON envelope: %v\n%s", err, x))
	}
	return env
}

// Data decodes data of a success answer into T; it fails the spec when the
// answer is not a 2xx envelope with data of that shape.
func Data[T any](x *Exchange) T {
	GinkgoHelper()
	var v T
	if x.Status/100 != 2 {
		Fail(fmt.Sprintf("expected a success answer, got %d\n%s", x.Status, x))
	}
	env := x.Envelope()
	if err := json.Unmarshal(env.Data, &v); err != nil {
		Fail(fmt.Sprintf("data does not decode into %T: %v\n%s", v, err, x))
	}
	return v
}

// FailHandler is Ginkgo's Fail with the message cut to results.MaxText, so
// no failure text grows with what a target sends: register it with
// gomega.RegisterFailHandler.
func FailHandler(message string, callerSkip ...int) {
	skip := 1
	if len(callerSkip) > 0 {
		skip += callerSkip[0]
	}
	Fail(results.Cut(message, results.MaxText), skip)
}

// Do sends the request. A request that gets no answer ends the spec as an
// error; an answer that breaks the contract document fails the spec that
// sent it (schema conformance is automatic), unless it breaks only what is
// ours to decide: then the spec goes on with a finding. Call it from the
// spec's goroutine, or under GinkgoRecover.
func (c *Client) Do(r Request) *Exchange {
	GinkgoHelper()
	if c.life != nil {
		if why := c.life.gone(); why != "" {
			Fail(c.redact.String(why)) // cleanups of the spec that gave up: no more waiting
		}
	}
	ctx := c.spec.get()
	x, err := c.do(ctx, r)
	if err != nil {
		if ctx.Err() == nil && c.life != nil { // a cancelled spec is no silence of the target
			if why := c.life.failed(err); why != "" {
				AbortSuite(c.redact.String(why))
			}
		}
		setupFailed("a request got no answer", nil, c.redact.String(err.Error()))
	}
	if c.life != nil {
		c.life.answered()
	}
	if x.Truncated {
		Fail(fmt.Sprintf("the answer is longer than the suite's limit of %d MiB\n%s", MaxBody>>20, x))
	}
	route, err := c.validate(c.router, r, x)
	switch {
	case err == nil:
	case c.harness:
		clause, _ := route.Operation.Extensions[ClauseExtension].(string)
		if clause == "" {
			setupFailed("spec bug", x, fmt.Sprintf("%s %s of %s names no clause (%s)", route.Method, route.Path, c.doc, ClauseExtension))
		}
		record(results.Finding{Clause: clause, Reason: c.redact.String(validationReason(err, route, x.Status)), Exchange: x.Record()})
	case c.relaxed == nil:
		Fail(fmt.Sprintf("the answer breaks %s: %s\n%s", c.doc, c.redact.String(validationReason(err, route, x.Status)), x))
	default:
		if _, rerr := c.validate(c.relaxed, r, x); rerr != nil {
			Fail(fmt.Sprintf("the answer breaks %s: %s\n%s", c.doc, c.redact.String(validationReason(rerr, route, x.Status)), x))
		}
		// Only an inferred part refused it: a SHOULD finding, not a failure
		// of the spec that received the answer.
		record(results.Finding{Clause: FindingClause, Reason: c.redact.String(validationReason(err, route, x.Status)), Exchange: x.Record()})
	}
	return x
}

// record adds a finding to the running spec's report.
func record(f results.Finding) {
	f.Reason = results.OneLine(f.Reason)
	AddReportEntry(results.FindingEntry, f, ReportEntryVisibilityFailureOrVerbose)
}

// setupFailed ends the running spec as an error, not a failure: it could
// not drive the target (a control call that did not give what the spec
// needs, a setup step of the Agent API, a request with no answer).
func setupFailed(what string, x *Exchange, reason string) {
	GinkgoHelper()
	e := results.SetupError{What: what, Reason: results.OneLine(reason), Exchange: x.Record()}
	AddReportEntry(results.ErrorEntry, e, ReportEntryVisibilityNever)
	Fail(e.String())
}

// do is Do without Ginkgo: the preflight uses it.
func (c *Client) do(ctx context.Context, r Request) (*Exchange, error) {
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, c.base+r.Path, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.Method, r.Path, err)
	}
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	if r.Body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case r.NoAuth:
	case r.Auth != "":
		req.Header.Set("Authorization", r.Auth)
	case c.auth != "":
		req.Header.Set("Authorization", c.auth)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.capture.add(c, req, r.Body, start, nil, nil, false, err)
		return nil, fmt.Errorf("%s %s (as %s): %w", r.Method, r.Path, c.as, err)
	}
	defer resp.Body.Close()
	// One byte past the cap tells a body of exactly MaxBody from a longer one.
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		c.capture.add(c, req, r.Body, start, resp, data, false, err)
		return nil, fmt.Errorf("%s %s (as %s): reading the answer (%d %s): %w", r.Method, r.Path, c.as, resp.StatusCode, resp.Header.Get("Content-Type"), err)
	}
	truncated := len(data) > MaxBody
	if truncated {
		data = data[:MaxBody]
	}
	c.capture.add(c, req, r.Body, start, resp, data, truncated, nil)
	return &Exchange{
		Method: r.Method, Path: r.Path, As: c.as, API: c.api, RequestBody: r.Body,
		Status: resp.StatusCode, Header: resp.Header, Body: data, Truncated: truncated, redact: c.redact,
	}, nil
}

// validate checks the answer against the contract of the router and
// returns the route it matched. Paths and methods the contract does not
// route (unknown paths, 405s) have no schema to check.
func (c *Client) validate(router routers.Router, r Request, x *Exchange) (*routers.Route, error) {
	if router == nil {
		return nil, nil
	}
	path, query, _ := strings.Cut(r.Path, "?")
	req, err := http.NewRequest(r.Method, "http://target"+path, nil)
	if err != nil {
		return nil, nil
	}
	req.URL.RawQuery = query
	route, params, err := router.FindRoute(req)
	if err != nil {
		return nil, nil
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: false}
	opts.AuthenticationFunc = openapi3filter.NoopAuthenticationFunc
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route, Options: opts,
		},
		Status:  x.Status,
		Header:  x.Header,
		Options: opts,
	}
	in.SetBodyBytes(x.Body)
	return route, openapi3filter.ValidateResponse(context.Background(), in)
}

// validationReason says in one line why kin-openapi refused an answer:
// where in the body and what ("at /data/price: value must be a string"),
// an undocumented status with the documented ones, never the schema dump.
func validationReason(err error, route *routers.Route, status int) string {
	var re *openapi3filter.ResponseError
	prefix := ""
	if errors.As(err, &re) {
		switch {
		case re.Reason == "status is not supported" && route != nil:
			documented := slices.Sorted(func(yield func(string) bool) {
				for code := range route.Operation.Responses.Map() {
					if !yield(code) {
						return
					}
				}
			})
			return fmt.Sprintf("status %d is not documented for %s %s (documented: %s)", status, route.Method, route.Path, strings.Join(documented, ", "))
		case re.Err == nil:
			return results.OneLine(re.Reason)
		case strings.Contains(re.Reason, "header"):
			prefix = re.Reason + ": "
		}
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return results.OneLine(prefix + schemaReason(se))
	}
	first, _, _ := strings.Cut(err.Error(), "\n")
	return results.OneLine(prefix + first)
}

// schemaReason is "at /pointer: reason (value)"; for a oneOf, anyOf or
// allOf refused as a whole, what each of its schemas refused, since no one
// of them is the one the answer meant.
func schemaReason(se *openapi3.SchemaError) string {
	s := fmt.Sprintf("at /%s: %s", strings.Join(se.JSONPointer(), "/"), se.Reason)
	if v := scalar(se.Value); v != "" {
		s += " (got " + v + ")"
	}
	var leaves []*openapi3.SchemaError
	if se.Origin != nil {
		schemaLeaves(se.Origin, &leaves)
	}
	var parts []string
	for _, l := range leaves {
		if l.Reason == "" {
			continue
		}
		if p := schemaReason(l); !slices.Contains(parts, p) && len(parts) < 4 {
			parts = append(parts, p)
		}
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, "; ") + ")"
	}
	return s
}

// schemaLeaves collects the schema errors an error wraps, through
// kin-openapi's MultiError.
func schemaLeaves(err error, out *[]*openapi3.SchemaError) {
	switch e := err.(type) {
	case openapi3.MultiError:
		for _, sub := range e {
			schemaLeaves(sub, out)
		}
	case *openapi3.SchemaError:
		*out = append(*out, e)
	default:
		if u := errors.Unwrap(err); u != nil {
			schemaLeaves(u, out)
		}
	}
}

// scalar renders a short scalar value; "" for anything else.
func scalar(v any) string {
	switch v := v.(type) {
	case string:
		if len(v) <= 60 {
			return fmt.Sprintf("%q", v)
		}
	case float64, bool, json.Number, int, int64:
		return fmt.Sprint(v)
	}
	return ""
}

// JSON marshals v for a request body; it panics on values that cannot be
// marshalled, which only a spec bug produces.
func JSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
