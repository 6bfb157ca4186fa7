package mockserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/fixtures"
)

const (
	alphaKey = fixtures.AlphaKey
	bravoKey = fixtures.BravoKey
)

// client sends requests to a test mock and validates every response against
// openapi.yaml (or control-api.yaml for /_control), status included.
type client struct {
	t       *testing.T
	ts      *TestServer
	agent   routers.Router
	control routers.Router
}

func newClient(t *testing.T, opts Options) *client {
	t.Helper()
	ts := NewTestServer(t, opts)
	agent, _, err := jtb.NewAgentRouter()
	if err != nil {
		t.Fatal(err)
	}
	control, _, err := jtb.NewControlRouter()
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, ts: ts, agent: agent, control: control}
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
	Env    struct {
		OK    *bool           `json:"ok"`
		Data  json.RawMessage `json:"data"`
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
}

func (r *response) code() string {
	if r.Env.Error == nil {
		return ""
	}
	return r.Env.Error.Code
}

func (r *response) data(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Env.Data, v); err != nil {
		t.Fatalf("decoding data %s: %v", r.Body, err)
	}
}

// do sends one request; key "" sends no Authorization; body nil sends none.
func (c *client) do(method, path, key string, body any, header ...string) *response {
	c.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	case rawBody:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			c.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, c.ts.URL+path, bytes.NewReader(raw))
	if err != nil {
		c.t.Fatal(err)
	}
	if _, isRaw := body.(rawBody); body != nil && !isRaw {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.ts.Server.Client().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := &response{Status: resp.StatusCode, Header: resp.Header}
	if out.Body, err = io.ReadAll(resp.Body); err != nil {
		c.t.Fatal(err)
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(out.Body, &out.Env); err != nil {
			c.t.Fatalf("%s %s: body is not JSON: %s", method, path, out.Body)
		}
	}
	c.validate(req, raw, out)
	return out
}

// doRaw sends a body with headers as given (for a wrong Content-Type).
func (c *client) doRaw(method, path, key, body string, header ...string) *response {
	c.t.Helper()
	return c.do(method, path, key, rawBody(body), header...)
}

// rawBody is sent without a Content-Type of its own.
type rawBody string

// validate checks the response against the document that routes it; a path
// no document knows (404, 405) must still be the error envelope.
func (c *client) validate(req *http.Request, raw []byte, out *response) {
	c.t.Helper()
	router := c.agent
	if strings.HasPrefix(req.URL.Path, "/_control") {
		router = c.control
	}
	route, params, err := router.FindRoute(req)
	if err == nil && router == c.control && c.ts.Mock.opts.DisableControl {
		err = &routers.RouteError{Reason: "control API disabled: an unknown path"}
	}
	if err != nil {
		var rerr *routers.RouteError
		if !errors.As(err, &rerr) {
			c.t.Fatalf("routing %s %s: %v", req.Method, req.URL.Path, err)
		}
		if out.Env.OK == nil || *out.Env.OK || out.Env.Error == nil {
			c.t.Fatalf("%s %s: %d without the error envelope: %s", req.Method, req.URL.Path, out.Status, out.Body)
		}
		return
	}
	req.Body = io.NopCloser(bytes.NewReader(raw))
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 out.Status,
		Header:                 out.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(out.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		c.t.Errorf("%s %s: %d response does not match the document: %v\nbody: %s", req.Method, req.URL.Path, out.Status, err, out.Body)
	}
}

// want fails the test unless the response has the status and, for errors, the code.
func (r *response) want(t *testing.T, status int, code string) *response {
	t.Helper()
	if r.Status != status || r.code() != code {
		t.Fatalf("got %d %q, want %d %q; body %s", r.Status, r.code(), status, code, r.Body)
	}
	return r
}
