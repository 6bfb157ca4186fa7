package suites

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
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
		s = strings.ReplaceAll(s, secret, "[REDACTED]")
	}
	return keyPattern.ReplaceAllString(s, "jtb_live_[REDACTED]")
}

// Bytes is String for byte slices (reports).
func (r Redactor) Bytes(b []byte) []byte { return []byte(r.String(string(b))) }

// Client is the one thin HTTP client of the suite: it sends a request as one
// caller, validates every answer against an OpenAPI document and keeps the
// exchange for failure messages.
type Client struct {
	http   *http.Client
	base   string         // scheme://host[/prefix], no trailing slash
	router routers.Router // the contract answers are validated against
	// relaxed is the same contract with every inferred part accepting
	// anything; nil: every departure from router fails the spec.
	relaxed routers.Router
	doc     string // the contract's file name, for messages
	as      string // who is calling, for messages
	auth    string // the Authorization header value, "" for none
	redact  Redactor
	life    *lifeline // shared by the clients of one run; nil: never give up
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
	RequestBody      []byte
	Status           int
	Header           http.Header
	Body             []byte
	// Truncated says the answer's body was longer than MaxBody and Body
	// holds only its first MaxBody bytes.
	Truncated bool

	redact Redactor
}

// bodyExcerpt is how much of a body a failure message shows.
const bodyExcerpt = 800

// MaxBody caps how much of an answer the suite reads: no answer of the
// contract comes near it, and a target that streams without end must not
// exhaust the run's memory.
const MaxBody = 2 << 20

// String renders the exchange for a failure message, secrets redacted.
func (x *Exchange) String() string {
	if x == nil {
		return "(no exchange)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  %s %s (as %s)\n", x.Method, x.redact.String(x.Path), x.As)
	if len(x.RequestBody) > 0 {
		fmt.Fprintf(&b, "  request body: %s\n", excerpt(x.redact, x.RequestBody))
	}
	fmt.Fprintf(&b, "  -> %d %s\n", x.Status, x.redact.String(x.Header.Get("Content-Type")))
	fmt.Fprintf(&b, "  body: %s", excerpt(x.redact, x.Body))
	if x.Truncated {
		fmt.Fprintf(&b, " (the answer is longer than %d MiB; the suite read no more)", MaxBody>>20)
	}
	return b.String()
}

// excerpt redacts the body before it cuts it, so that a cut never leaves
// part of a secret behind.
func excerpt(redact Redactor, body []byte) string {
	s := redact.String(string(body))
	if len(s) > bodyExcerpt {
		s = s[:bodyExcerpt] + fmt.Sprintf("... (%d bytes)", len(body))
	}
	return s
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

// Do sends the request. A transport error, or an answer that breaks the
// contract document, fails the spec that sent it (schema conformance is
// automatic). Call it from the spec's goroutine, or under GinkgoRecover.
func (c *Client) Do(r Request) *Exchange {
	GinkgoHelper()
	if c.life != nil {
		if why := c.life.gone(); why != "" {
			Fail(c.redact.String(why)) // cleanups of the spec that gave up: no more waiting
		}
	}
	x, err := c.do(context.Background(), r)
	if err != nil {
		if c.life != nil {
			if why := c.life.failed(err); why != "" {
				AbortSuite(c.redact.String(why))
			}
		}
		Fail(c.redact.String(err.Error()))
	}
	if c.life != nil {
		c.life.answered()
	}
	if x.Truncated {
		Fail(fmt.Sprintf("the answer is longer than the suite's limit of %d MiB\n%s", MaxBody>>20, x))
	}
	if err := c.validate(c.router, r, x); err != nil {
		if c.relaxed == nil || c.validate(c.relaxed, r, x) != nil {
			Fail(fmt.Sprintf("the answer breaks %s: %s\n%s", c.doc, c.redact.String(err.Error()), x))
		}
		// Only an inferred part refused it: a SHOULD finding, not a failure
		// of the spec that received the answer.
		AddReportEntry(FindingEntry, Finding{Clause: FindingClause, Reason: c.redact.String(err.Error()), Exchange: x.String()},
			ReportEntryVisibilityFailureOrVerbose)
	}
	return x
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
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s (as %s): %w", r.Method, r.Path, c.as, err)
	}
	defer resp.Body.Close()
	// One byte past the cap tells a body of exactly MaxBody from a longer one.
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s (as %s): reading the answer (%d %s): %w", r.Method, r.Path, c.as, resp.StatusCode, resp.Header.Get("Content-Type"), err)
	}
	truncated := len(data) > MaxBody
	if truncated {
		data = data[:MaxBody]
	}
	return &Exchange{
		Method: r.Method, Path: r.Path, As: c.as, RequestBody: r.Body,
		Status: resp.StatusCode, Header: resp.Header, Body: data, Truncated: truncated, redact: c.redact,
	}, nil
}

// validate checks the answer against the contract of the router. Paths and
// methods the contract does not route (unknown paths, 405s) have no schema
// to check.
func (c *Client) validate(router routers.Router, r Request, x *Exchange) error {
	if router == nil {
		return nil
	}
	path, query, _ := strings.Cut(r.Path, "?")
	req, err := http.NewRequest(r.Method, "http://target"+path, nil)
	if err != nil {
		return nil
	}
	req.URL.RawQuery = query
	route, params, err := router.FindRoute(req)
	if err != nil {
		return nil
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
	return openapi3filter.ValidateResponse(context.Background(), in)
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
