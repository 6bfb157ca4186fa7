package proxy

import (
	"fmt"
	"strings"
	"time"
)

// Kind says what a finding judges.
type Kind string

// The four kinds of finding (docs/PROXY.md).
const (
	// KindRequest: the agent's request breaks openapi.yaml.
	KindRequest Kind = "request"
	// KindResponse: the server's answer breaks openapi.yaml, or there was
	// no usable answer at all.
	KindResponse Kind = "response"
	// KindAgent: a habit of the agent that the API page rules out or that
	// defeats what Idempotency-Key and Retry-After are for.
	KindAgent Kind = "agent"
	// KindSequence: the server's answer against what the proxy already saw.
	KindSequence Kind = "sequence"
)

// Kinds lists the kinds in the order summaries print them.
func Kinds() []Kind { return []Kind{KindRequest, KindResponse, KindAgent, KindSequence} }

// Severity of a finding.
type Severity string

// Severities. An error is what --fail-on-violation fails on.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Finding is one thing the proxy noticed, as printed and as written to the
// report (one JSON object per line). Message, Exchange.Path and everything
// else are redacted before a Finding leaves the proxy: no API key or token
// is ever in one.
type Finding struct {
	Time      time.Time `json:"time"`
	Kind      Kind      `json:"kind"`
	Severity  Severity  `json:"severity"`
	Rule      string    `json:"rule"`
	Operation string    `json:"operation,omitempty"` // the operationId of openapi.yaml
	Clause    string    `json:"clause,omitempty"`    // the catalogue clause it rests on, where one applies
	Message   string    `json:"message"`
	// Agent is the caller's label ("agent#1", or a fixture agent's name),
	// never its key; "anonymous" for a request without a bearer token.
	Agent    string   `json:"agent,omitempty"`
	Exchange Exchange `json:"exchange"`
}

// Exchange summarises the call a finding is about.
type Exchange struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Status is what the agent received; 0 when it received nothing (a
	// lost response, or the agent hung up first).
	Status int `json:"status"`
	// Upstream is what the upstream answered, when it differs from Status
	// (a fault or a proxy error replaced it); 0 when the upstream was not
	// asked or gave no answer.
	Upstream int `json:"upstreamStatus,omitempty"`
	// Fault names the injected fault, if one hit this call.
	Fault string `json:"fault,omitempty"`
}

// Line is the finding on one line, as `jtb proxy` prints it.
func (f Finding) Line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-7s %s", f.Time.UTC().Format("15:04:05.000"), f.Severity, f.Rule)
	if f.Clause != "" {
		fmt.Fprintf(&b, " [%s]", f.Clause)
	}
	if f.Agent != "" {
		fmt.Fprintf(&b, " %s", f.Agent)
	}
	fmt.Fprintf(&b, " %s %s", f.Exchange.Method, f.Exchange.Path)
	switch {
	case f.Exchange.Status == 0:
		b.WriteString(" -> (no answer)")
	default:
		fmt.Fprintf(&b, " -> %d", f.Exchange.Status)
	}
	if f.Exchange.Upstream != 0 && f.Exchange.Upstream != f.Exchange.Status {
		fmt.Fprintf(&b, " (upstream %d)", f.Exchange.Upstream)
	}
	if f.Exchange.Fault != "" {
		fmt.Fprintf(&b, " (fault %s)", f.Exchange.Fault)
	}
	fmt.Fprintf(&b, ": %s", f.Message)
	return b.String()
}

// Rule is one thing the proxy checks. Schema rules decide their severity
// per finding (the two-tier rule); the others carry a fixed one.
type Rule struct {
	ID       string
	Kind     Kind
	Severity Severity // "" for the schema rules: error or warning, per finding
	Clause   string   // "" where no clause of the catalogue applies
	Summary  string
}

// The rules' IDs, as findings name them.
const (
	ruleRequestSchema = "request/schema"
	ruleRequestAuth   = "request/no-bearer-token"
	ruleRequestLarge  = "request/body-too-large"

	ruleResponseSchema  = "response/schema"
	ruleResponseNotJSON = "response/not-json"
	ruleResponseLarge   = "response/too-large"
	ruleResponseDown    = "response/upstream-unavailable"
	ruleResponseTimeout = "response/upstream-timeout"

	ruleNoKey          = "agent/no-idempotency-key"
	ruleRetryNewKey    = "agent/retry-new-key"
	ruleKeyReused      = "agent/key-reused"
	ruleDeliverEarly   = "agent/deliver-before-accept"
	ruleResubmitLate   = "agent/resubmit-after-deadline"
	ruleResubmitPassed = "agent/resubmit-after-pass"
	ruleResubmitAgain  = "agent/resubmit-again"
	ruleRetryTooSoon   = "agent/retry-before-retry-after"
	ruleRetryForever   = "agent/retry-without-giving-up"

	ruleReplayDiffers  = "sequence/replay-differs"
	ruleListedClaimed  = "sequence/listed-after-claim"
	ruleSecondBid      = "sequence/second-bid-accepted"
	ruleSecondResubmit = "sequence/second-resubmit-accepted"
	ruleTraceLost      = "sequence/trace-lost"
	ruleTraceChanged   = "sequence/trace-changed"
)

// Rules is every rule the proxy checks, in the order of docs/PROXY.md. A
// sequence rule's severity is its clause's level in the catalogue (MUST:
// error, SHOULD: warning); New reads it there, so the table below states
// what the catalogue held when it was written.
func Rules() []Rule {
	return []Rule{
		{ruleRequestSchema, KindRequest, "", "", "the request breaks openapi.yaml: error, or a warning when only an inferred (x-jtb-inferred) part refuses it"},
		{ruleRequestAuth, KindRequest, Error, "JTB-AUTH-001", "an Agent API request without `Authorization: Bearer <key>`"},
		{ruleRequestLarge, KindRequest, Warning, "JTB-ENV-006", "a request body over 1 MiB (forwarded whole, not validated)"},

		{ruleResponseSchema, KindResponse, "", "", "the answer breaks openapi.yaml: error, or a warning when only an inferred part refuses it (JTB-ENV-009)"},
		{ruleResponseNotJSON, KindResponse, Error, "JTB-ENV-001", "the answer is not JSON; the agent gets 502 UPSTREAM_INVALID"},
		{ruleResponseLarge, KindResponse, Error, "", "the answer is over the proxy's cap (2 MiB); the agent gets 502 UPSTREAM_TOO_LARGE"},
		{ruleResponseDown, KindResponse, Error, "", "the upstream refused or reset the connection; the agent gets 502 UPSTREAM_UNAVAILABLE"},
		{ruleResponseTimeout, KindResponse, Error, "", "no answer within --timeout; the agent gets 504 UPSTREAM_TIMEOUT"},

		{ruleNoKey, KindAgent, Warning, "JTB-IDEM-001", "a POST without Idempotency-Key (reported once per agent and operation)"},
		{ruleRetryNewKey, KindAgent, Error, "JTB-IDEM-001", "a retry of a failed or unanswered POST with a new Idempotency-Key, or none"},
		{ruleKeyReused, KindAgent, Error, "JTB-IDEM-003", "an Idempotency-Key reused on the same route with another body"},
		{ruleDeliverEarly, KindAgent, Warning, "JTB-DLV-006", "a deliver, refused, on a task whose bid the proxy saw placed and never saw accepted"},
		{ruleResubmitLate, KindAgent, Error, "JTB-RSB-003", "a resubmit after the rejected delivery's resubmitDeadline"},
		{ruleResubmitPassed, KindAgent, Error, "JTB-RSB-001", "a resubmit after a delivery that passed the quality gate"},
		{ruleResubmitAgain, KindAgent, Error, "JTB-RSB-002", "a second resubmit after one was answered"},
		{ruleRetryTooSoon, KindAgent, Error, "", "a retry sooner than the Retry-After of the 429 or 503 it retries"},
		{ruleRetryForever, KindAgent, Error, "", "a request tried more than 5 times in a row after failures: the agent does not give up"},

		{ruleReplayDiffers, KindSequence, Error, "JTB-IDEM-001", "a replay (same key, same body) answered otherwise than the first time"},
		{ruleListedClaimed, KindSequence, Error, "JTB-PAG-001", "a task listed after the proxy saw it claimed"},
		{ruleSecondBid, KindSequence, Error, "JTB-BID-003", "a second bid by one agent on one task answered 2xx"},
		{ruleSecondResubmit, KindSequence, Error, "JTB-RSB-002", "a second resubmit on one task answered 2xx"},
		{ruleTraceLost, KindSequence, Error, "JTB-TRC-001", "traces that lack an event the proxy saw stored"},
		{ruleTraceChanged, KindSequence, Error, "JTB-TRC-001", "traces whose event, message or metadata differ from what the agent sent"},
	}
}
