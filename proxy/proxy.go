// Package proxy is jtb proxy: a validating, stateful HTTP proxy between an
// agent and a JobToBot server. It forwards every call unchanged and reports
// findings: requests and answers that break openapi.yaml (with the same
// two-tier rule as jtb check), agent habits that defeat Idempotency-Key or
// the resubmit rules, and answers that contradict what the proxy saw
// before. On purpose it can also lose answers, answer 5xx or 429, or answer
// late, to test an agent's retries. See docs/PROXY.md.
package proxy

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/catalogue"
)

// Body caps. A request body is validated up to the contract's 1 MiB and
// forwarded whole whatever its size (the upstream answers 413); an answer
// is read up to 2 MiB, and a longer one is not relayed (502).
const (
	MaxRequestBody  = 1 << 20
	MaxResponseBody = 2 << 20
)

// DefaultTimeout bounds one upstream exchange: connect, answer, body.
const DefaultTimeout = 30 * time.Second

// Options configure a Proxy.
type Options struct {
	// Upstream is the server's base URL: scheme://host[:port][/prefix].
	Upstream string
	// ControlURL serves the upstream's /_control/... calls (as jtb check's
	// --control-url); "" is Upstream. The proxy forwards the /_control/...
	// calls it is sent there, and reads GET /_control/clock there itself,
	// to judge resubmit deadlines.
	ControlURL   string
	ControlToken string
	// Transport reaches the upstream; nil is the proxy's own HTTP/1.1
	// client for the modelled calls and NewTransport() for the rest.
	Transport http.RoundTripper
	// Timeout bounds one upstream exchange; 0 is DefaultTimeout.
	Timeout time.Duration
	Faults  Faults
	Seed    uint64
	// AgentNames labels known keys (key -> name, e.g. the mock's fixture
	// agents); other callers are "agent#1", "agent#2", ... The proxy keeps
	// only a digest of each key.
	AgentNames map[string]string
	// OnFinding receives each finding, redacted, as it happens; it must be
	// safe for concurrent use. nil: findings are only counted.
	OnFinding func(Finding)
	// Now is the proxy's clock (retry timing, finding times); nil: time.Now.
	Now func() time.Time
	// Sleep waits for a delay fault; nil: a timer. Tests pass one that does
	// not wait on the wall clock.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Proxy is an http.Handler; it is safe for concurrent use. Any http.Server
// can serve it; Serve (as jtb proxy does) also writes each relayed answer
// in one write.
type Proxy struct {
	up        *url.URL
	transport http.RoundTripper // control clock reads, the probe, pass-through; the modelled calls too when client is nil
	client    *upstreamClient   // the modelled calls, unless Options.Transport was given
	timeout   time.Duration
	faults    Faults
	seed      uint64
	now       func() time.Time
	sleep     func(ctx context.Context, d time.Duration) error
	onFinding func(Finding)

	ops     []*operation
	valid   *validator
	model   *model
	clock   *upstreamClock
	secrets *secrets
	rules   map[string]Rule
	control *url.URL // where /_control/... calls go: Options.ControlURL, else the upstream
	pass    *httputil.ReverseProxy
	// passControl streams the control calls the proxy does not model.
	passControl *httputil.ReverseProxy
	bufs        sync.Pool
	counts      counts
	exchange    atomic.Int64
}

// NewTransport is the default transport to the upstream: no environment
// proxy, enough idle connections for a busy agent, no transparent gzip (an
// answer is relayed as the upstream encoded it).
func NewTransport() *http.Transport {
	return &http.Transport{
		DialContext:            (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:           512,
		MaxIdleConnsPerHost:    256,
		IdleConnTimeout:        90 * time.Second,
		DisableCompression:     true,
		MaxResponseHeaderBytes: 64 << 10,
	}
}

// New builds a proxy in front of opts.Upstream. It reads the contract
// (openapi.yaml and its relaxed copy) and the catalogue; it sends nothing.
func New(opts Options) (*Proxy, error) {
	up, err := parseUpstream("upstream", opts.Upstream)
	if err != nil {
		return nil, err
	}
	control := up
	if opts.ControlURL != "" {
		if control, err = parseUpstream("control URL", opts.ControlURL); err != nil {
			return nil, err
		}
	}
	rules, err := bindRules()
	if err != nil {
		return nil, err
	}
	p := &Proxy{
		up: up, transport: opts.Transport, timeout: opts.Timeout, faults: opts.Faults, seed: opts.Seed,
		now: opts.Now, sleep: opts.Sleep, onFinding: opts.OnFinding,
		ops: newOperations(), valid: newValidator(), model: newModel(opts.AgentNames),
		secrets: newSecrets(opts.ControlToken), rules: rules,
	}
	for key := range opts.AgentNames {
		p.secrets.add(key)
	}
	if p.transport == nil {
		p.transport, p.client = NewTransport(), newUpstreamClient(up)
	}
	if p.timeout <= 0 {
		p.timeout = DefaultTimeout
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.sleep == nil {
		p.sleep = sleepCtx
	}
	if p.faults.RetryAfter == 0 {
		p.faults.RetryAfter = DefaultRetryAfter
	}
	if err := bindRoutes(p.ops); err != nil {
		return nil, err
	}
	p.clock = &upstreamClock{now: p.now, read: p.controlClock(control, opts.ControlToken)}
	p.control = control
	p.pass, p.passControl = p.passThrough(up), p.passThrough(control)
	return p, nil
}

// passThrough streams a call the proxy does not model to target, as it
// comes (event streams included).
func (p *Proxy) passThrough(target *url.URL) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			// Forwarded as sent: the proxy adds no X-Forwarded-* of its own
			// and keeps the agent's.
			for _, h := range []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "Forwarded"} {
				if v, ok := pr.In.Header[h]; ok {
					pr.Out.Header[h] = v
				}
			}
		},
		Transport:     p.transport,
		FlushInterval: -1, // event streams pass as they come
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			p.writeProxyError(w, upstreamError(r.Context(), err))
		},
	}
}

// isControl is whether a path is the control API's: it goes to the
// control URL, which may be another server than the upstream.
func isControl(path string) bool { return path == "/_control" || strings.HasPrefix(path, "/_control/") }

func parseUpstream(what, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return nil, fmt.Errorf("proxy: no %s", what)
	case err != nil:
		return nil, fmt.Errorf("proxy: %s %q: %v", what, raw, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("proxy: %s %q: want an http:// or https:// URL", what, raw)
	case u.Host == "":
		return nil, fmt.Errorf("proxy: %s %q: no host", what, raw)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return nil, fmt.Errorf("proxy: %s %q: want scheme://host[:port][/prefix] only", what, raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// bindRules reads the rules' clauses in the catalogue: each must exist, and
// a sequence rule's severity is its clause's level (the two-tier rule).
func bindRules() (map[string]Rule, error) {
	cat, err := catalogue.Parse(jtb.CatalogueSpec)
	if err != nil {
		return nil, err
	}
	out := map[string]Rule{}
	for _, r := range Rules() {
		if r.Clause != "" {
			cl, ok := cat.Clause(r.Clause)
			if !ok {
				return nil, fmt.Errorf("proxy: rule %s names clause %s, which the catalogue lacks", r.ID, r.Clause)
			}
			if r.Kind == KindSequence {
				r.Severity = Warning
				if cl.Level == catalogue.Must {
					r.Severity = Error
				}
			}
		}
		out[r.ID] = r
	}
	return out, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Upstream is the URL the proxy forwards to.
func (p *Proxy) Upstream() string { return p.up.String() }

// ClockSource says how the proxy tells the upstream's time (docs/PROXY.md, "Time").
func (p *Proxy) ClockSource() string { return p.clock.Source() }

// Probe asks the upstream for anything at all (GET /v1/tasks/available
// without a key): an error means it does not answer, so the proxy could
// judge nothing. Any HTTP answer, a 401 included, is an answer. It also
// tries the upstream's control clock once, so ClockSource says which way
// the proxy will tell the upstream's time.
func (p *Proxy) Probe(ctx context.Context) error {
	probe, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	u := *p.up
	u.Path += "/v1/tasks/available"
	req, err := http.NewRequestWithContext(probe, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := p.transport.RoundTrip(req)
	if err != nil {
		return fmt.Errorf("the upstream %s does not answer: %v", p.up, p.secrets.String(err.Error()))
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, MaxResponseBody))
	resp.Body.Close()
	p.clock.Now(ctx)
	return nil
}

// controlClock reads the upstream's time from its control API.
func (p *Proxy) controlClock(control *url.URL, token string) func(ctx context.Context) (time.Time, error) {
	u := *control
	u.Path += "/_control/clock"
	target := u.String()
	return func(ctx context.Context) (time.Time, error) {
		ctx, cancel := context.WithTimeout(ctx, p.timeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return time.Time{}, err
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := p.transport.RoundTrip(req)
		if err != nil {
			return time.Time{}, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if err != nil {
			return time.Time{}, err
		}
		if resp.StatusCode != http.StatusOK {
			return time.Time{}, fmt.Errorf("control clock: %d", resp.StatusCode)
		}
		t, ok := controlNow(body)
		if !ok {
			return time.Time{}, errors.New("control clock: no data.now")
		}
		return t, nil
	}
}

// ServeHTTP forwards one call.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.exchange.Add(1)
	op, params := match(p.ops, r.Method, r.URL.Path)
	switch {
	case op == nil && isControl(r.URL.Path):
		p.passControl.ServeHTTP(w, r)
	case op == nil:
		p.pass.ServeHTTP(w, r)
	case op.control:
		p.serveControl(w, r, op, params)
	default:
		p.serveAgent(w, r, op, params)
	}
}

// serveAgent is the pipeline of an Agent API call: read, validate, the
// agent rules, a fault maybe, forward, validate the answer, the sequence
// rules, relay (or drop) the answer, report.
func (p *Proxy) serveAgent(w http.ResponseWriter, r *http.Request, op *operation, params []string) {
	token, bearer := bearerToken(r.Header.Get("Authorization"))
	if token != "" {
		p.secrets.add(token)
	}
	c := &call{op: op, method: r.Method, path: r.URL.Path, agent: p.model.agent(token), at: p.now()}
	if len(params) > 0 {
		c.taskID = params[0]
	}
	ex := Exchange{Method: r.Method}
	// Findings are reported before the answer is written, so that an
	// agent that has its answer finds them reported.
	reported := false
	report := func() {
		reported = true
		if len(c.findings) > 0 {
			ex.Path = r.URL.RequestURI()
			p.report(c, ex)
		}
	}
	defer func() {
		if !reported {
			report()
		}
	}()
	done := func(status int) {
		ex.Status = status
		report()
	}

	body, whole, err := readUpTo(r.Body, MaxRequestBody)
	if err != nil {
		return // the agent is gone before its request was whole: nothing to answer
	}
	if !bearer {
		c.add(p.rules[ruleRequestAuth], "", "", "no `Authorization: Bearer <key>` header: the API page asks for the key on every request")
	}
	if whole {
		v := p.valid.request(op, r, params, body)
		if v.problem != "" {
			sev, clause := Error, "JTB-ENV-010"
			if v.inferredOnly {
				sev, clause = Warning, requestClause(op, v)
			}
			c.add(p.rules[ruleRequestSchema], sev, clause, "the request breaks openapi.yaml: "+v.problem+inferredNote(v))
		}
	} else {
		c.add(p.rules[ruleRequestLarge], "", "", fmt.Sprintf("the request body is over %d bytes; the proxy forwards it unread", MaxRequestBody))
	}
	if vals, ok := r.Header["Idempotency-Key"]; ok && len(vals) > 0 {
		c.key, c.hasKey = vals[0], true
	}
	c.body = body
	if op.post() {
		c.bodyJSON, c.bodyFP = canonical(body)
	}
	p.before(c)

	var o outcome
	if c.checkLate {
		now, how := p.clock.Now(r.Context())
		switch how {
		case clockExact:
			o.late, o.lateExact, o.lateHow = now.After(c.deadline), true, "read from its control clock"
		case clockEstimated:
			o.late, o.lateHow = now.After(c.deadline.Add(tolerance)), "estimated from its answers"
		}
		o.lateBy = now.Sub(c.deadline)
	}
	var f fault
	if !p.faults.None() {
		f = p.faults.decide(p.seed, c.agent.fp, op.id, p.model.callNumber(c.agent, op.id), op.post())
	}
	o.fault, ex.Fault = f.name, f.name
	if f.name != "" {
		p.counts.fault(f.name)
	}
	if f.delay > 0 {
		p.counts.fault("delay")
		if ex.Fault == "" {
			ex.Fault = "delay"
		}
		if p.sleep(r.Context(), f.delay) != nil {
			p.after(c, o, nil) // the agent gave up waiting
			return
		}
	}
	switch f.name {
	case "429", "5xx":
		status, retryAfter := http.StatusServiceUnavailable, time.Duration(0)
		pe := proxyError{status: status, code: "UNAVAILABLE", reason: "fault-5xx",
			message: "jtb proxy: injected fault (5xx); the request was not forwarded"}
		if f.name == "429" {
			retryAfter = p.faults.RetryAfter
			pe = proxyError{status: http.StatusTooManyRequests, code: "RATE_LIMITED", reason: "fault-429", retryAfter: retryAfter,
				message: fmt.Sprintf("jtb proxy: injected fault (429); the request was not forwarded; retry after %d s", int(retryAfter/time.Second))}
		}
		o.agentStatus, o.retryAfter = pe.status, retryAfter
		p.after(c, o, nil)
		done(pe.status)
		p.writeProxyError(w, pe)
		return
	}

	resp, err := p.forward(r, body, whole)
	if err != nil {
		p.failUpstream(c, o, w, r, done, upstreamError(r.Context(), err))
		return
	}
	buf := p.getBuf()
	defer p.putBuf(buf)
	answer, complete, err := readInto(buf, resp.Body, MaxResponseBody)
	resp.Body.Close()
	o.upstream, o.header = resp.StatusCode, resp.Header
	ex.Upstream = resp.StatusCode
	switch {
	case err != nil:
		p.failUpstream(c, o, w, r, done, upstreamError(r.Context(), err))
		return
	case !complete:
		p.failUpstream(c, o, w, r, done, proxyError{status: http.StatusBadGateway, code: "UPSTREAM_TOO_LARGE", reason: "upstream-too-large",
			rule: ruleResponseLarge, message: fmt.Sprintf("jtb proxy: the upstream's answer (%d) is over %d bytes", resp.StatusCode, MaxResponseBody)})
		return
	}
	decoded := answer
	if strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		if decoded, err = gunzip(answer); err != nil {
			decoded = nil // not JSON, as far as anyone can tell
		}
	}
	facts := p.valid.answer(op, resp.StatusCode, resp.Header, decoded)
	if facts.notJSON {
		p.failUpstream(c, o, w, r, done, proxyError{status: http.StatusBadGateway, code: "UPSTREAM_INVALID", reason: "upstream-invalid",
			rule: ruleResponseNotJSON, message: fmt.Sprintf("jtb proxy: the upstream answered %d with a body that is not JSON (%s)",
				resp.StatusCode, describeBody(resp.Header, decoded))})
		return
	}
	if v := facts.verdict; v.problem != "" {
		sev, clause := Error, responseClause(op, resp.StatusCode, v)
		if v.inferredOnly {
			sev, clause = Warning, "JTB-ENV-009"
		}
		c.add(p.rules[ruleResponseSchema], sev, clause, fmt.Sprintf("the answer (%d) breaks openapi.yaml: %s%s", resp.StatusCode, v.problem, inferredNote(v)))
	}
	o.body = decoded
	if f.name == "lost-response" {
		p.after(c, o, facts.listed)
		done(0)
		dropConnection(w)
		return
	}
	o.delivered = true
	p.after(c, o, facts.listed)
	done(resp.StatusCode)
	if relay(w, r, resp.StatusCode, resp.Header, answer) != nil {
		// The agent hung up before the answer was out: for it, the call
		// was unanswered.
		p.undelivered(c, resp.StatusCode)
	}
}

// serveControl forwards a control API call the model learns from. Control
// calls are the harness, not the contract under test: never validated,
// never faulted.
func (p *Proxy) serveControl(w http.ResponseWriter, r *http.Request, op *operation, params []string) {
	body, whole, err := readUpTo(r.Body, MaxRequestBody)
	if err != nil {
		return
	}
	resp, err := p.forward(r, body, whole)
	if err != nil {
		p.writeProxyError(w, upstreamError(r.Context(), err))
		return
	}
	buf := p.getBuf()
	defer p.putBuf(buf)
	answer, complete, err := readInto(buf, resp.Body, MaxResponseBody)
	resp.Body.Close()
	switch {
	case err != nil:
		p.writeProxyError(w, upstreamError(r.Context(), err))
		return
	case !complete:
		p.writeProxyError(w, proxyError{status: http.StatusBadGateway, code: "UPSTREAM_TOO_LARGE", reason: "upstream-too-large",
			message: fmt.Sprintf("jtb proxy: the upstream's answer (%d) is over %d bytes", resp.StatusCode, MaxResponseBody)})
		return
	}
	p.learnControl(op, params, resp.StatusCode, answer)
	relay(w, r, resp.StatusCode, resp.Header, answer)
}

// failUpstream answers the agent with the proxy's own error when the
// upstream gave no usable answer, and records the finding.
func (p *Proxy) failUpstream(c *call, o outcome, w http.ResponseWriter, r *http.Request, done func(int), pe proxyError) {
	if r.Context().Err() != nil || agentHungUp(w) {
		// The agent hung up; nobody to answer, and the upstream is not to blame.
		p.after(c, o, nil)
		return
	}
	if pe.rule != "" {
		c.add(p.rules[pe.rule], "", "", strings.TrimPrefix(pe.message, "jtb proxy: ")+"; the agent got "+strconv.Itoa(pe.status)+" "+pe.code)
	}
	o.agentStatus, o.delivered = pe.status, false
	if o.fault == "lost-response" {
		o.agentStatus = 0
	}
	p.after(c, o, nil)
	done(o.agentStatus)
	if o.fault == "lost-response" {
		dropConnection(w)
		return
	}
	p.writeProxyError(w, pe)
}

// agentHungUp is whether the agent of a call on Server's loop closed its
// connection (net/http says so through the request's context instead).
func agentHungUp(w http.ResponseWriter) bool {
	fw, ok := w.(*fastWriter)
	return ok && hungUp(fw.fc.c)
}

// undelivered marks a call whose answer did not reach the agent.
func (p *Proxy) undelivered(c *call, status int) {
	if !c.op.post() {
		return
	}
	m := p.model
	m.mu.Lock()
	defer m.mu.Unlock()
	a := c.agent
	at := &attempt{key: c.key, hasKey: c.hasKey, failedAt: p.now(), tries: 1,
		why: fmt.Sprintf("its answer (%d) did not reach the agent", status)}
	if prev := a.pending[c.identity]; prev != nil {
		at.tries = prev.tries + 1
	} else {
		a.order = append(a.order, c.identity)
	}
	a.pending[c.identity] = at
}

// forward sends the request upstream as the agent sent it: method, path,
// query, headers (Authorization and Idempotency-Key included) and body,
// less the hop-by-hop headers.
func (p *Proxy) forward(r *http.Request, body []byte, whole bool) (*http.Response, error) {
	base, client := p.up, p.client
	if isControl(r.URL.Path) {
		base, client = p.control, nil // the harness: rare calls, net/http's Transport
	}
	u := *base
	u.Path = base.Path + r.URL.Path
	if r.URL.RawPath != "" {
		u.RawPath = base.EscapedPath() + r.URL.RawPath
	}
	u.RawQuery = r.URL.RawQuery
	out := &http.Request{
		Method: r.Method, URL: &u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: forwardHeader(r.Header), Host: base.Host,
	}
	switch {
	case !whole:
		out.Body, out.ContentLength = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body)), -1
	case len(body) > 0:
		out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	case r.Method == http.MethodPost:
		out.Body = http.NoBody
	}
	if client != nil {
		return client.do(r.Context(), out, p.timeout)
	}
	ctx, cancel := context.WithTimeout(r.Context(), p.timeout)
	resp, err := p.transport.RoundTrip(out.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// isHopByHop is whether a header belongs to one connection, not to the
// request or answer (RFC 9110, 7.6.1): the fixed ones and those the
// Connection header names.
func isHopByHop(h http.Header, name string) bool {
	switch name {
	case "Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
		"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	for _, v := range h["Connection"] {
		for _, f := range strings.Split(v, ",") {
			if http.CanonicalHeaderKey(strings.TrimSpace(f)) == name {
				return true
			}
		}
	}
	return false
}

func forwardHeader(in http.Header) http.Header {
	out := make(http.Header, len(in)+1)
	for k, v := range in {
		if !isHopByHop(in, k) {
			out[k] = v
		}
	}
	if _, ok := out["User-Agent"]; !ok {
		out["User-Agent"] = []string{""} // none sent, none added (net/http would add its own)
	}
	return out
}

// relay writes the upstream's answer as it came: status, headers (less the
// hop-by-hop ones), body. The error says the agent did not get it all.
func relay(w http.ResponseWriter, r *http.Request, status int, header http.Header, body []byte) error {
	h := w.Header()
	for k, v := range header {
		if !isHopByHop(header, k) && k != "Content-Length" {
			h[k] = v
		}
	}
	if fw, ok := w.(*fastWriter); ok {
		return fw.answerWhole(status, body) // which counts the length
	}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	hc := heldConnOf(r)
	if hc != nil {
		hc.hold()
	}
	w.WriteHeader(status)
	_, err := w.Write(body)
	if err == nil {
		err = http.NewResponseController(w).Flush()
	}
	if hc != nil {
		if rerr := hc.release(); err == nil {
			err = rerr
		}
	}
	return err
}

// dropConnection closes the agent's connection without an answer: what a
// network that loses the answer looks like to the agent.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2, or a writer that cannot hijack: net/http's own way to
		// abort the answer.
		panic(http.ErrAbortHandler)
	}
	if nc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		conn = nc.NetConn()
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0) // a reset, not a graceful close the agent might read as an empty answer
	}
	conn.Close()
}

// proxyError is an answer of the proxy's own, in the contract's envelope,
// marked with the X-Jtb-Proxy header (docs/PROXY.md, "The proxy's own answers").
type proxyError struct {
	status     int
	code       string
	message    string
	reason     string // X-Jtb-Proxy
	rule       string // the response finding it goes with, "" for none
	retryAfter time.Duration
}

func upstreamError(ctx context.Context, err error) proxyError {
	if errors.Is(err, context.DeadlineExceeded) && (ctx.Err() == nil || errors.Is(ctx.Err(), context.DeadlineExceeded)) {
		return proxyError{status: http.StatusGatewayTimeout, code: "UPSTREAM_TIMEOUT", reason: "upstream-timeout", rule: ruleResponseTimeout,
			message: "jtb proxy: the upstream did not answer in time"}
	}
	return proxyError{status: http.StatusBadGateway, code: "UPSTREAM_UNAVAILABLE", reason: "upstream-unavailable", rule: ruleResponseDown,
		message: "jtb proxy: the upstream is unavailable: " + shortNetError(err)}
}

// shortNetError drops the URL from a transport error: it says which
// upstream, which the banner said already.
func shortNetError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && strings.Contains(s[:i], "dial tcp") {
		s = s[i+2:]
	}
	return oneLine(s)
}

func (p *Proxy) writeProxyError(w http.ResponseWriter, pe proxyError) {
	body, _ := json.Marshal(map[string]any{"ok": false, "error": map[string]string{"code": pe.code, "message": p.secrets.String(pe.message)}})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Jtb-Proxy", pe.reason)
	if pe.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int(pe.retryAfter/time.Second)))
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(pe.status)
	w.Write(body)
}

func bearerToken(h string) (token string, ok bool) {
	scheme, rest, found := strings.Cut(strings.TrimSpace(h), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(h), false
	}
	rest = strings.TrimSpace(rest)
	return rest, rest != ""
}

// putBuf keeps a buffer for the next answer, unless a large answer grew it:
// the pool must not hold megabytes for the contract's few kilobytes.
func (p *Proxy) putBuf(b *bytes.Buffer) {
	if b.Cap() <= 256<<10 {
		p.bufs.Put(b)
	}
}

func (p *Proxy) getBuf() *bytes.Buffer {
	if b, ok := p.bufs.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

// readUpTo reads at most limit bytes; whole says the body ended within them.
func readUpTo(r io.Reader, limit int64) ([]byte, bool, error) {
	if r == nil || r == http.NoBody {
		return nil, true, nil
	}
	var buf bytes.Buffer
	data, whole, err := readInto(&buf, r, limit)
	if len(data) == 0 {
		data = nil
	}
	return data, whole, err
}

// readInto reads into buf at most limit bytes; complete says the reader
// ended within them.
func readInto(buf *bytes.Buffer, r io.Reader, limit int64) ([]byte, bool, error) {
	n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, false, err
	}
	if n > limit {
		return buf.Bytes()[:limit], false, nil
	}
	return buf.Bytes(), true, nil
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(zr, MaxResponseBody+1))
	if err == nil && len(out) > MaxResponseBody {
		err = errors.New("decompressed answer over the cap")
	}
	return out, err
}

// describeBody says what a body that is not JSON looks like, briefly.
func describeBody(h http.Header, b []byte) string {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "no Content-Type"
	}
	if len(b) == 0 {
		return ct + ", empty"
	}
	s := strings.ToValidUTF8(string(b[:min(len(b), 60)]), "?")
	return fmt.Sprintf("%s, %d bytes: %q", ct, len(b), s)
}

func inferredNote(v verdict) string {
	if v.inferredOnly {
		return " (only an inferred part of openapi.yaml, x-jtb-inferred, refuses it: a warning)"
	}
	return ""
}

// requestClause is the clause of a request that breaks only an inferred
// part: the operation's documented limits.
func requestClause(op *operation, v verdict) string {
	if v.param == "Idempotency-Key" {
		return "JTB-IDEM-006"
	}
	switch op.kind {
	case opBid:
		return "JTB-BID-008"
	case opDeliver, opResubmit:
		return "JTB-DLV-008"
	case opProgress:
		return "JTB-PRG-004"
	case opList:
		return "JTB-PAG-005"
	}
	return ""
}

// responseClause is the clause of an answer that breaks the seed's part of
// openapi.yaml, where the place of the breach names one.
func responseClause(op *operation, status int, v verdict) string {
	switch {
	case status >= 400:
		return "JTB-ENV-001"
	case op.kind == opList && strings.HasPrefix(v.pointer, "/data/pagination"):
		return "JTB-PAG-013"
	case op.kind == opList && strings.HasPrefix(v.pointer, "/data/items"):
		return "JTB-PAG-011"
	case op.kind == opTraces && strings.HasPrefix(v.pointer, "/data/items"):
		return "JTB-TRC-001"
	}
	return ""
}
