package suites

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/catalogue"
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
func (t Target) Redactor() Redactor {
	return NewRedactor(t.APIKey, t.APIKeyB, t.ControlToken)
}

// Validate reports configuration mistakes before anything is sent.
func (t Target) Validate() error {
	var errs []error
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

// Capabilities of the target's control API.
type Capabilities struct {
	Clock   bool `json:"clock"`
	PDQGPin bool `json:"pdqgPin"`
	Reset   bool `json:"reset"`
	Agents  bool `json:"agents"`
}

// Env is a connected target: clients for two agents and the control API, and
// what the target can do. Specs read it; nothing in it changes during a run.
type Env struct {
	Target    Target
	Catalogue *catalogue.Catalogue
	A, B      *Client // agent A, and agent B (nil when there is none)
	Anonymous *Client // no Authorization at all
	Control   *Client // nil when the target has no control API
	Caps      Capabilities
	// NoControl says why Control is nil.
	NoControl string

	redact Redactor
}

// Connect checks the target answers, finds its control API and agents.
func Connect(ctx context.Context, t Target) (*Env, error) {
	if t.Timeout <= 0 {
		t.Timeout = DefaultTimeout
	}
	t.BaseURL = strings.TrimRight(t.BaseURL, "/")
	if t.ControlURL == "" {
		t.ControlURL = t.BaseURL
	}
	t.ControlURL = strings.TrimRight(t.ControlURL, "/")
	if err := t.Validate(); err != nil {
		return nil, err
	}
	cat, err := catalogue.Parse(jtb.CatalogueSpec)
	if err != nil {
		return nil, err
	}
	agentRouter, _, err := jtb.NewAgentRouter()
	if err != nil {
		return nil, err
	}
	// Answers that only the strict document refuses are SHOULD findings.
	relaxedRouter, _, err := NewRelaxedAgentRouter()
	if err != nil {
		return nil, err
	}
	controlRouter, _, err := jtb.NewControlRouter()
	if err != nil {
		return nil, err
	}
	// A hostile target may send endless headers as well as endless bodies.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxResponseHeaderBytes = MaxHeader
	httpc := &http.Client{Timeout: t.Timeout, Transport: transport}
	redact := t.Redactor()
	env := &Env{Target: t, Catalogue: cat, redact: redact}
	life := &lifeline{}
	agent := func(name, key string) *Client {
		c := &Client{http: httpc, base: t.BaseURL, router: agentRouter, relaxed: relaxedRouter, doc: "openapi.yaml", as: name, redact: redact, life: life}
		if key != "" {
			c.auth = "Bearer " + key
		}
		return c
	}
	env.Anonymous = agent("no key", "")

	// The preflight: a target that never answers ends the run here, after
	// one request timeout, instead of timing out every spec. Any answer will
	// do (a 10 MB one too): judging answers is the specs' business.
	if _, err := env.Anonymous.do(ctx, Request{Method: http.MethodGet, Path: "/v1/tasks/available"}); err != nil {
		return nil, fmt.Errorf("the target at %s does not answer (timeout %s): %w", t.BaseURL, t.Timeout, err)
	}

	control := &Client{http: httpc, base: t.ControlURL, router: controlRouter, doc: "control-api.yaml", as: "control", redact: redact, life: life}
	if t.ControlToken != "" {
		control.auth = "Bearer " + t.ControlToken
	}
	x, err := control.do(ctx, Request{Method: http.MethodGet, Path: "/_control/capabilities"})
	var caps struct {
		Data *Capabilities `json:"data"`
	}
	switch {
	case err != nil:
		env.NoControl = fmt.Sprintf("the control API at %s/_control does not answer: %v", t.ControlURL, err)
	case x.Status == http.StatusOK && (x.Truncated || json.Unmarshal(x.Body, &caps) != nil || caps.Data == nil):
		// Not a control API (a catch-all page, say): its specs are skipped
		// with this reason, and the Agent API is still checked.
		env.NoControl = fmt.Sprintf("no control API at %s/_control (GET /_control/capabilities answered 200 %s without a capabilities envelope)",
			t.ControlURL, x.Header.Get("Content-Type"))
	case x.Status == http.StatusOK:
		env.Caps, env.Control = *caps.Data, control
	case x.Status == http.StatusUnauthorized || x.Status == http.StatusForbidden:
		return nil, fmt.Errorf("the control API at %s/_control refused the control token (%d): set --control-token", t.ControlURL, x.Status)
	default:
		env.NoControl = fmt.Sprintf("no control API at %s/_control (GET /_control/capabilities answered %d)", t.ControlURL, x.Status)
	}

	keyA, keyB := t.APIKey, t.APIKeyB
	for _, k := range []*string{&keyA, &keyB} {
		if *k != "" || env.Control == nil || !env.Caps.Agents {
			continue
		}
		created, err := control.do(ctx, Request{Method: http.MethodPost, Path: "/_control/agents", Body: JSON(map[string]string{"name": "jtb-check"})})
		if err != nil || created.Status != http.StatusCreated {
			return nil, fmt.Errorf("creating an agent through the control API failed: %v %s", err, created)
		}
		var envl struct {
			Data struct {
				APIKey string `json:"apiKey"`
			} `json:"data"`
		}
		if err := json.Unmarshal(created.Body, &envl); err != nil || envl.Data.APIKey == "" {
			return nil, fmt.Errorf("the control API created an agent without an apiKey")
		}
		*k = envl.Data.APIKey
		env.redact.secrets = append(env.redact.secrets, *k)
	}
	if keyA == "" {
		return nil, errors.New("no API key: set --api-key (or a control API that can create agents)")
	}
	env.A = agent("agent A", keyA)
	env.A.redact = env.redact
	if keyB != "" {
		env.B = agent("agent B", keyB)
		env.B.redact = env.redact
	}
	env.Anonymous.redact, control.redact = env.redact, env.redact
	return env, nil
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
	return fmt.Sprintf("target %s; %s; %s", e.Target.BaseURL, control, b)
}
