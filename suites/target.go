package suites

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/routers"
	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/catalogue"
	"github.com/jobtobot/jtb/suites/results"
)

// Target is where the suite runs: one value, built from flags and env.
type Target struct {
	BaseURL      string // the Agent API, e.g. https://staging.example (paths /v1/...)
	APIKey       string // agent A
	APIKeyB      string // agent B, optional
	ControlURL   string // serves /_control/...; defaults to BaseURL
	ControlToken string // bearer token of the control API, optional
	ReadOnly     bool   // run only specs that write nothing
	// Timeout bounds each request, the preflight's included; zero means
	// DefaultTimeout.
	Timeout time.Duration
	// Headers go on every request, Agent and control API alike (what a
	// staging gateway asks for). The values of names that look secret
	// (SecretHeader) are redacted like keys. The suite's own headers
	// (Authorization, Content-Type, Idempotency-Key, ...) cannot be set.
	Headers http.Header
	// CACert is a PEM file of CA certificates trusted for TLS to the
	// target, besides the system's.
	CACert string
	// Insecure skips the check of the target's TLS certificate.
	Insecure bool
	// UserAgent names the suite to the target; "" leaves Go's default.
	UserAgent string
}

// MaxHeader caps the size of an answer's header (net/http's own default
// is 10 MB).
const MaxHeader = 1 << 20

// DefaultTimeout is the request timeout when none is set.
const DefaultTimeout = 10 * time.Second

// Env names of the Target's settings (flags fall back to these).
const (
	EnvBaseURL      = "JTB_BASE_URL"
	EnvAPIKey       = "JTB_API_KEY"
	EnvAPIKeyB      = "JTB_API_KEY_B"
	EnvControlURL   = "JTB_CONTROL_URL"
	EnvControlToken = "JTB_CONTROL_TOKEN"
	EnvTimeout      = "JTB_TIMEOUT" // a Go duration, e.g. 10s
)

// TargetFromEnv reads the Target's settings from the environment; only a
// timeout that is not a positive duration is an error.
func TargetFromEnv(getenv func(string) string) (Target, error) {
	t := Target{
		BaseURL:      getenv(EnvBaseURL),
		APIKey:       getenv(EnvAPIKey),
		APIKeyB:      getenv(EnvAPIKeyB),
		ControlURL:   getenv(EnvControlURL),
		ControlToken: getenv(EnvControlToken),
	}
	if raw := getenv(EnvTimeout); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil || d <= 0 {
			return t, fmt.Errorf("%s=%q is not a positive duration such as 10s", EnvTimeout, raw)
		}
		t.Timeout = d
	}
	return t, nil
}

// Redactor hides this target's secrets.
func (t Target) Redactor() Redactor { return NewRedactor(t.Secrets()...) }

// Secrets are this target's secrets: the keys, the control token and the
// values of the headers that look secret.
func (t Target) Secrets() []string {
	secrets := []string{t.APIKey, t.APIKeyB, t.ControlToken}
	for name, values := range t.Headers {
		if SecretHeader(name) {
			secrets = append(secrets, values...)
		}
	}
	return secrets
}

// secretHeader matches the names of headers whose values are secrets.
var secretHeader = regexp.MustCompile(`(?i)auth|token|key|secret|cookie|session|passw|credential|signature`)

// SecretHeader says whether a header's value is to be redacted wherever it
// is shown: Authorization, Cookie, X-Api-Key, X-Gateway-Token, ... The
// Idempotency-Key the specs send and the challenge of a 401 are no secrets.
func SecretHeader(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Idempotency-Key", "Www-Authenticate":
		return false
	}
	return secretHeader.MatchString(name)
}

// ownHeaders are the headers the suite sets itself: a Target's Headers may
// not name them.
var ownHeaders = []string{"Authorization", "Content-Type", "Content-Length", "Idempotency-Key", "Host", "Transfer-Encoding", "Connection"}

// Validate reports configuration mistakes before anything is sent.
func (t Target) Validate() error {
	var errs []error
	for name := range t.Headers {
		switch {
		case !validHeaderName(name):
			errs = append(errs, fmt.Errorf("header name %q is not a valid HTTP header name", name))
		case slices.Contains(ownHeaders, http.CanonicalHeaderKey(name)):
			errs = append(errs, fmt.Errorf("header %s is the suite's own (it sets it per request): choose another name", http.CanonicalHeaderKey(name)))
		}
	}
	for name, raw := range map[string]string{"base URL": t.BaseURL, "control URL": t.ControlURL} {
		if raw == "" && name == "control URL" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s %q is not an http(s) URL", name, raw))
		}
	}
	return errors.Join(errs...)
}

// validHeaderName is RFC 9110's token: visible ASCII but separators.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}

// tlsConfig is the TLS configuration the target's settings ask for: the
// system's roots plus CACert, or no check at all.
func (t Target) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{InsecureSkipVerify: t.Insecure}
	if t.CACert == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(t.CACert)
	if err != nil {
		return nil, fmt.Errorf("--ca-cert: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca-cert %s holds no PEM certificate", t.CACert)
	}
	cfg.RootCAs = pool
	return cfg, nil
}

// Transport is how the target is reached: TLS as CACert and Insecure say,
// an answer's header at most MaxHeader (a hostile target may send endless
// headers as well as endless bodies). jtb check and jtb explore both use it.
func (t Target) Transport() (*http.Transport, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxResponseHeaderBytes = MaxHeader
	var err error
	if transport.TLSClientConfig, err = t.tlsConfig(); err != nil {
		return nil, err
	}
	return transport, nil
}

// Unanswered explains a request to the target that got no answer: a TLS
// certificate the run does not trust is named as such, with the way out.
func (t Target) Unanswered(err error) error {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	var why error
	switch {
	case errors.As(err, &unknown):
		why = unknown
	case errors.As(err, &host):
		why = host
	case errors.As(err, &invalid):
		why = invalid
	case errors.As(err, &verify):
		why = verify
	}
	if why != nil {
		return fmt.Errorf("the target at %s has a TLS certificate the run does not trust (%v): pass --ca-cert FILE (the CA that signed it) or --insecure (no check)", t.BaseURL, why)
	}
	return fmt.Errorf("the target at %s does not answer (timeout %s): %w", t.BaseURL, t.Timeout, err)
}

// Capabilities of the target's control API.
type Capabilities struct {
	Clock   bool `json:"clock"`
	PDQGPin bool `json:"pdqgPin"`
	Reset   bool `json:"reset"`
	Agents  bool `json:"agents"`
	// For a shared target: one task's time moves alone, and what a run
	// created can be removed (footprint.go).
	TaskTime bool `json:"taskTime"`
	Cleanup  bool `json:"cleanup"`
}

// Env is a target and how the suite reaches it: clients for two agents and
// the control API, and what the target can do. NewEnv builds it without a
// word to the target; Connect runs the preflight and fills it in. Specs read
// it; nothing in it changes while they run.
type Env struct {
	Target    Target
	Catalogue *catalogue.Catalogue
	A, B      *Client // agent A, and agent B (nil when there is none)
	Anonymous *Client // no Authorization at all
	Control   *Client // nil when the target has no control API
	Caps      Capabilities
	// NoControl says why Control is nil.
	NoControl string
	// Explore, when set, is the explore phase of the run (jtb check
	// --explore): it explores the target and says what it found. suites
	// does not import the explorer; the command wires it in.
	Explore func(ctx context.Context) (ExploreOutcome, error)

	redact Redactor
	// explicitControl: the control URL was given, not defaulted to the
	// base URL, so a control API that does not answer there is a mistake.
	explicitControl bool
	spec            *specContext
	life            *lifeline
	foot            *footprint
	capture         *Capture
	httpc           *http.Client
	agentRouter     routers.Router
	relaxedRouter   routers.Router
	controlRouter   routers.Router
}

// ExploreOutcome is what the explore phase found.
type ExploreOutcome struct {
	Summary string // one line: programs, steps, seconds, seed
	// Clause is the clause a divergence breaks ("" when none diverged);
	// What says how, Reproduction is the shrunk program as printed.
	Clause, What, Reproduction string
}

// NewEnv checks the target's settings and builds the clients, without
// sending anything; cat nil is the built-in catalogue. Register can declare
// the specs on it before Connect.
func NewEnv(t Target, cat *catalogue.Catalogue) (*Env, error) {
	if t.Timeout <= 0 {
		t.Timeout = DefaultTimeout
	}
	t.BaseURL = strings.TrimRight(t.BaseURL, "/")
	explicit := t.ControlURL != ""
	if !explicit {
		t.ControlURL = t.BaseURL
	}
	t.ControlURL = strings.TrimRight(t.ControlURL, "/")
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if cat == nil {
		var err error
		if cat, err = catalogue.Parse(jtb.CatalogueSpec); err != nil {
			return nil, err
		}
	}
	e := &Env{Target: t, Catalogue: cat, redact: t.Redactor(), explicitControl: explicit, spec: &specContext{}, life: &lifeline{},
		foot: &footprint{}}
	var err error
	if e.agentRouter, _, err = jtb.NewAgentRouter(); err != nil {
		return nil, err
	}
	// Answers that only the strict document refuses are SHOULD findings.
	if e.relaxedRouter, _, err = NewRelaxedAgentRouter(); err != nil {
		return nil, err
	}
	if e.controlRouter, _, err = jtb.NewControlRouter(); err != nil {
		return nil, err
	}
	transport, err := t.Transport()
	if err != nil {
		return nil, err
	}
	e.httpc = &http.Client{Timeout: t.Timeout, Transport: transport}
	e.Anonymous = e.agent("no key", "")
	return e, nil
}

func (e *Env) agent(name, key string) *Client {
	c := e.client(e.Target.BaseURL, apiAgent, name)
	c.router, c.relaxed, c.doc = e.agentRouter, e.relaxedRouter, "openapi.yaml"
	if key != "" {
		c.auth = "Bearer " + key
	}
	return c
}

// client is a client of one API, with what every client of the run shares.
func (e *Env) client(base, api, as string) *Client {
	return &Client{http: e.httpc, base: base, api: api, as: as, header: e.header(),
		redact: e.redact, life: e.life, spec: e.spec, capture: e.capture}
}

// header is what every request carries besides its own headers.
func (e *Env) header() http.Header {
	h := e.Target.Headers.Clone()
	if e.Target.UserAgent != "" && h.Get("User-Agent") == "" {
		if h == nil {
			h = http.Header{}
		}
		h.Set("User-Agent", e.Target.UserAgent)
	}
	return h
}

// Capture keeps every exchange of the run from now on, the preflight's
// included, in c; call it before Connect.
func (e *Env) Capture(c *Capture) {
	e.capture = c
	e.Anonymous.capture = c
}

// Connect is NewEnv and the preflight in one call.
func Connect(ctx context.Context, t Target) (*Env, error) {
	e, err := NewEnv(t, nil)
	if err != nil {
		return nil, err
	}
	return e, e.Connect(ctx)
}

// listingPath is the preflight's probe of the Agent API.
const listingPath = "/v1/tasks/available"

// Connect runs the preflight: before any spec, it makes sure the run can
// judge the target, and says in one line what to fix when it cannot. The
// Agent API must answer at the base URL (a 404 for its listingPath is a wrong
// base URL); a control URL that was given must serve a control API that
// takes the token; the agent keys must be accepted. Under --read-only it
// writes nothing: no agent is created through the control API.
func (e *Env) Connect(ctx context.Context) error {
	t := e.Target
	// A target that never answers ends the run here, after one request
	// timeout, instead of timing out every spec.
	x, err := e.Anonymous.do(ctx, Request{Method: http.MethodGet, Path: listingPath})
	if err != nil {
		return e.noAnswer(err)
	}
	if x.Status == http.StatusNotFound {
		return wrongBase(t.BaseURL)
	}
	if err := e.findControl(ctx); err != nil {
		return err
	}

	keyA, keyB := t.APIKey, t.APIKeyB
	createdA, createdB := false, false
	for _, k := range []struct {
		key     *string
		created *bool
	}{{&keyA, &createdA}, {&keyB, &createdB}} {
		if *k.key != "" || e.Control == nil || !e.Caps.Agents || t.ReadOnly {
			continue
		}
		key, err := e.createAgent(ctx)
		if err != nil {
			return err
		}
		*k.key, *k.created = key, true
		e.redact.secrets = append(e.redact.secrets, key)
	}
	if keyA == "" {
		if t.ReadOnly {
			return errors.New("no API key: set --api-key (--read-only creates no agent through the control API)")
		}
		return errors.New("no API key: set --api-key (or a control API that can create agents)")
	}
	e.A = e.agent("agent A", keyA)
	if keyB != "" {
		e.B = e.agent("agent B", keyB)
	}
	e.Anonymous.redact = e.redact
	if e.Control != nil {
		e.Control.redact = e.redact
	}
	for _, c := range []struct {
		client  *Client
		flag    string
		created bool
	}{{e.A, "--api-key", createdA}, {e.B, "--api-key-b", createdB}} {
		if c.client == nil {
			continue
		}
		if err := e.keyAccepted(ctx, c.client, c.flag, c.created); err != nil {
			return err
		}
	}
	e.startFootprint(ctx)
	return nil
}

// noAnswer explains a preflight request that got no answer.
func (e *Env) noAnswer(err error) error { return e.Target.Unanswered(err) }

// wrongBase explains a base URL under which the listingPath is not found.
func wrongBase(base string) error {
	hint := "--base-url is the part before /v1/... (e.g. https://api.jobtobot.com)"
	if strings.HasSuffix(base, "/v1") {
		hint = "drop the trailing /v1 from --base-url: the suite adds /v1/... itself"
	}
	return fmt.Errorf("the target at %s answers 404 for GET %s: %s", base, listingPath, hint)
}

// findControl looks for the control API. At a control URL that defaulted
// to the base URL, a target without one (a 404, an answer that is no
// capabilities envelope) just has none: its specs are skipped with the
// reason. At a control URL that was given, that is a mistake to fix.
func (e *Env) findControl(ctx context.Context) error {
	t := e.Target
	control := e.client(t.ControlURL, apiControl, "control")
	control.router, control.harness, control.doc = e.controlRouter, true, "control-api.yaml"
	if t.ControlToken != "" {
		control.auth = "Bearer " + t.ControlToken
	}
	where := t.ControlURL + "/_control"
	x, err := control.do(ctx, Request{Method: http.MethodGet, Path: "/_control/capabilities"})
	var caps struct {
		Data *Capabilities `json:"data"`
	}
	var missing string
	switch {
	case err != nil:
		missing = fmt.Sprintf("the control API at %s does not answer: %v", where, err)
	case x.Status == http.StatusUnauthorized || x.Status == http.StatusForbidden:
		return fmt.Errorf("the control API at %s refused the control token (%d): set --control-token", where, x.Status)
	case x.Status/100 == 2 && (x.Truncated || json.Unmarshal(x.Body, &caps) != nil || caps.Data == nil):
		// Not a control API (a catch-all page, say).
		missing = fmt.Sprintf("no control API at %s (GET /_control/capabilities answered %d %s without a capabilities envelope)",
			where, x.Status, x.Header.Get("Content-Type"))
	case x.Status/100 == 2:
		e.Caps, e.Control = *caps.Data, control
		return nil
	default:
		missing = fmt.Sprintf("no control API at %s (GET /_control/capabilities answered %d)", where, x.Status)
	}
	if e.explicitControl {
		return errors.New(missing + "; --control-url is the URL the /_control/... paths hang from")
	}
	e.NoControl = missing
	return nil
}

// createAgent asks the control API for an agent and returns its key; the
// agent is the run's, removed by Finish.
func (e *Env) createAgent(ctx context.Context) (string, error) {
	x, err := e.Control.do(ctx, Request{Method: http.MethodPost, Path: "/_control/agents", Body: JSON(map[string]string{"name": "jtb-check"})})
	if err != nil {
		return "", fmt.Errorf("creating an agent through the control API failed: %w", err)
	}
	key, _ := dataField[string](x.Body, "apiKey")
	if x.Status/100 != 2 || key == "" {
		return "", fmt.Errorf("creating an agent through the control API failed: POST /_control/agents answered %d without data.apiKey", x.Status)
	}
	// Finish removes it when the run ends.
	id, _ := dataField[string](x.Body, "id")
	e.foot.created("agent")
	e.foot.mu.Lock()
	e.foot.runAgents = append(e.foot.runAgents, id)
	e.foot.mu.Unlock()
	return key, nil
}

// keyAccepted makes sure the target takes an agent key: a refused key
// would fail every spec, and say nothing about the target.
func (e *Env) keyAccepted(ctx context.Context, c *Client, flag string, created bool) error {
	x, err := c.do(ctx, Request{Method: http.MethodGet, Path: listingPath + "?limit=1"})
	if err != nil {
		return e.noAnswer(err)
	}
	switch x.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		what := "the key of " + flag
		if created {
			what = "the key the control API created for " + c.as
		}
		return fmt.Errorf("the target refuses %s: GET %s answered %d%s", what, listingPath, x.Status, errorCode(x.Body))
	case http.StatusNotFound:
		return wrongBase(e.Target.BaseURL)
	}
	return nil
}

// errorCode is " CODE" of an error envelope, or "".
func errorCode(body []byte) string {
	var env Envelope
	if json.Unmarshal(body, &env) != nil || env.Error == nil || env.Error.Code == "" {
		return ""
	}
	return " " + results.OneLine(env.Error.Code)
}

// HeaderNames are the names of the Target's Headers, sorted.
func (e *Env) HeaderNames() []string {
	return slices.Sorted(func(yield func(string) bool) {
		for name := range e.Target.Headers {
			if !yield(http.CanonicalHeaderKey(name)) {
				return
			}
		}
	})
}

// Redactor hides every secret the run knows, created agents' keys included.
func (e *Env) Redactor() Redactor { return e.redact }

// Describe says, in one line, what the run talks to (no secrets).
func (e *Env) Describe() string {
	control := "control API: " + e.Target.ControlURL + "/_control"
	if e.Control == nil {
		control = e.NoControl
	}
	b := "second agent: yes"
	if e.B == nil {
		b = "second agent: none"
	}
	s := fmt.Sprintf("target %s; %s; %s", e.Target.BaseURL, control, b)
	if e.Target.ReadOnly {
		s += "; read-only"
	}
	if len(e.Target.Headers) > 0 {
		s += "; headers: " + strings.Join(e.HeaderNames(), ", ")
	}
	return s
}
