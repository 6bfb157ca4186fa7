// Package defect is the one registry of the rules the reference mock can
// break on purpose: each defect's name, its area, what the broken mock does,
// and the catalogue clauses whose specs must catch it. Everything else reads
// it: the mock's HTTP layer and its core (which switch a defect on by these
// constants), `jtb mock --defect list`, the self-test in cmd/jtb (which runs
// the suite once per defect and expects a failure of one of its clauses) and
// docs/DEFECTS.md (generated from All, see markdown.go).
//
// Adding a defect is one change here: a constant and its row in All. Then
// break the rule where it lives, behind Has (s.cfg.Defects.Has(defect.X) in
// the core, m.defects.Has(defect.X) in the HTTP layer), and run
// `go generate ./mockserver/defect` to rewrite docs/DEFECTS.md;
// TestDocIsGenerated fails until it is, and the self-test fails until a spec
// of one of the listed clauses catches the defect.
package defect

import (
	"fmt"
	"slices"
	"strings"
)

// Defect is one rule the mock can break on purpose.
type Defect struct {
	Name        string   // what --defect takes
	Area        string   // one of the Area constants
	Description string   // what the broken mock does (Markdown, one line)
	Clauses     []string // the catalogue clauses one of whose specs must fail with the defect on
}

// The areas, as the suites name them.
const (
	AreaAuth        = "auth"
	AreaEnvelope    = "envelope"
	AreaDiscovery   = "discovery"
	AreaBidding     = "bidding"
	AreaIdempotency = "idempotency"
	AreaDelivery    = "delivery"
	AreaResubmit    = "resubmit"
	AreaTraces      = "traces"
	AreaProgress    = "progress"
)

// The defects' names, in the order of All.
const (
	AuthAcceptAnyKey         = "auth-accept-any-key"
	AuthMissingIs403         = "auth-missing-is-403"
	AuthNoWWWAuthenticate    = "auth-no-www-authenticate"
	EnvelopeNoOK             = "envelope-no-ok"
	EnvelopeTextErrors       = "envelope-text-errors"
	ErrorCodeLowercase       = "error-code-lowercase"
	Order400Before404        = "order-400-before-404"
	BodyLimitMissing         = "body-limit-missing"
	PagLimitUnbounded        = "pag-limit-unbounded"
	PagDefaultLimit50        = "pag-default-limit-50"
	PagOffsetCursor          = "pag-offset-cursor"
	PagNextCursorOnLastPage  = "pag-next-cursor-on-last-page"
	PagListsClaimed          = "pag-lists-claimed"
	PagOldestFirst           = "pag-oldest-first"
	PagCategoryFirstPageOnly = "pag-category-first-page-only"
	PagBadCursorRestarts     = "pag-bad-cursor-restarts"
	PriceAsNumber            = "price-as-number"
	BidDoubleAllowed         = "bid-double-allowed"
	BidOnClaimedAllowed      = "bid-on-claimed-allowed"
	BidNonpositivePrice      = "bid-nonpositive-price"
	BidReturns200            = "bid-returns-200"
	BidRaceDouble            = "bid-race-double"
	IdemIgnored              = "idem-ignored"
	IdemNoReplayHeader       = "idem-no-replay-header"
	IdemReuseAllowed         = "idem-reuse-allowed"
	IdemGlobalScope          = "idem-global-scope"
	PDQG040Rejected          = "pdqg-040-rejected"
	PDQG065Pass              = "pdqg-065-pass"
	DeliverTwiceAllowed      = "deliver-twice-allowed"
	DeliverByOtherAgent      = "deliver-by-other-agent"
	DeliverEmptyScored       = "deliver-empty-scored"
	ResubmitTwice            = "resubmit-twice"
	ResubmitNoDeadline       = "resubmit-no-deadline"
	ResubmitFailStaysFailed  = "resubmit-fail-stays-failed"
	ResubmitNoDeadlineField  = "resubmit-no-deadline-field"
	TracesNewestFirst        = "traces-newest-first"
	TracesMetadataDropped    = "traces-metadata-dropped"
	TracesVisibleToOthers    = "traces-visible-to-others"
	ProgressAfterDelivery    = "progress-after-delivery"
	ProgressByOtherAgent     = "progress-by-other-agent"
)

// All is the registry, in the order `--defect list` and docs/DEFECTS.md show
// it. It is a fresh slice each call: callers may keep or change it.
func All() []Defect {
	return []Defect{
		{AuthAcceptAnyKey, AreaAuth, "accepts any bearer token (an unknown key acts as agent alpha)", []string{"JTB-AUTH-002"}},
		{AuthMissingIs403, AreaAuth, "answers a request without `Authorization` with 403 instead of 401", []string{"JTB-AUTH-002"}},
		{AuthNoWWWAuthenticate, AreaAuth, "401 answers lack the `WWW-Authenticate: Bearer` header", []string{"JTB-AUTH-003"}},
		{EnvelopeNoOK, AreaEnvelope, "error bodies lack `\"ok\": false`", []string{"JTB-ENV-001"}},
		{EnvelopeTextErrors, AreaEnvelope, "404 for an unknown task is `text/plain`, not the JSON envelope", []string{"JTB-ENV-001", "JTB-ENV-003"}},
		{ErrorCodeLowercase, AreaEnvelope, "error codes are sent in lower case (`conflict`)", []string{"JTB-ENV-004"}},
		{Order400Before404, AreaEnvelope, "validates the body before looking the task up (bad body on unknown task → 400)", []string{"JTB-ENV-005"}},
		{BodyLimitMissing, AreaEnvelope, "accepts request bodies over 1 MiB (never 413)", []string{"JTB-ENV-006"}},
		{PagLimitUnbounded, AreaDiscovery, "accepts `limit` above 100", []string{"JTB-PAG-005"}},
		{PagDefaultLimit50, AreaDiscovery, "default page size is 50, not 20", []string{"JTB-PAG-004"}},
		{PagOffsetCursor, AreaDiscovery, "the cursor is a plain offset, so a task claimed mid-traversal makes another one vanish", []string{"JTB-PAG-010"}},
		{PagNextCursorOnLastPage, AreaDiscovery, "the last page has a non-null `next_cursor` with `has_more: false`", []string{"JTB-PAG-008"}},
		{PagListsClaimed, AreaDiscovery, "claimed tasks stay in the listing", []string{"JTB-PAG-001"}},
		{PagOldestFirst, AreaDiscovery, "lists oldest first", []string{"JTB-PAG-006"}},
		{PagCategoryFirstPageOnly, AreaDiscovery, "the category filter is dropped after the first page", []string{"JTB-PAG-003"}},
		{PagBadCursorRestarts, AreaDiscovery, "a tampered cursor restarts at the first page instead of 400", []string{"JTB-PAG-007"}},
		{PriceAsNumber, AreaDiscovery, "`price` is a JSON number, not a decimal string", []string{"JTB-PAG-011"}},
		{BidDoubleAllowed, AreaBidding, "a second bid by the same agent on the same task is accepted", []string{"JTB-BID-003"}},
		{BidOnClaimedAllowed, AreaBidding, "bids on a claimed task are accepted", []string{"JTB-BID-003"}},
		{BidNonpositivePrice, AreaBidding, "`proposedPrice` 0 or below is accepted", []string{"JTB-BID-004"}},
		{BidReturns200, AreaBidding, "a created bid answers 200 instead of 201", []string{"JTB-BID-002"}},
		{BidRaceDouble, AreaBidding, "two bids by one agent on one task sent at once are both placed (the duplicate check and the insert are two steps, 40 ms apart)", []string{"JTB-BID-003"}},
		{IdemIgnored, AreaIdempotency, "Idempotency-Key is ignored: a retry runs again", []string{"JTB-IDEM-001"}},
		{IdemNoReplayHeader, AreaIdempotency, "a replay lacks `Idempotent-Replayed: true`", []string{"JTB-IDEM-002"}},
		{IdemReuseAllowed, AreaIdempotency, "the same key with another body runs as a new request (no 422)", []string{"JTB-IDEM-003"}},
		{IdemGlobalScope, AreaIdempotency, "keys are not scoped to the API key: another agent's key replays the first agent's answer", []string{"JTB-IDEM-004"}},
		{PDQG040Rejected, AreaDelivery, "a score of exactly 0.40 is rejected (`<=` instead of `<`)", []string{"JTB-DLV-002"}},
		{PDQG065Pass, AreaDelivery, "a score of exactly 0.65 is verdict `pass` instead of `warn`", []string{"JTB-DLV-003"}},
		{DeliverTwiceAllowed, AreaDelivery, "a second deliver by the assignee is accepted", []string{"JTB-DLV-007"}},
		{DeliverByOtherAgent, AreaDelivery, "an agent that is not the assignee can deliver", []string{"JTB-DLV-006"}},
		{DeliverEmptyScored, AreaDelivery, "empty content is scored (PDQG reject) instead of 400", []string{"JTB-DLV-008"}},
		{ResubmitTwice, AreaResubmit, "a second resubmit is accepted", []string{"JTB-RSB-002"}},
		{ResubmitNoDeadline, AreaResubmit, "the 6-hour window is not enforced", []string{"JTB-RSB-003"}},
		{ResubmitFailStaysFailed, AreaResubmit, "a rejected resubmit leaves the task `pdqg_failed`, not `pdqg_final_fail`", []string{"JTB-RSB-004"}},
		{ResubmitNoDeadlineField, AreaResubmit, "a rejected delivery's answer lacks `resubmitDeadline`", []string{"JTB-RSB-006"}},
		{TracesNewestFirst, AreaTraces, "traces are listed newest first", []string{"JTB-TRC-002"}},
		{TracesMetadataDropped, AreaTraces, "`metadata` does not round-trip (stored as `{}`)", []string{"JTB-TRC-001"}},
		{TracesVisibleToOthers, AreaTraces, "any agent can read a task's traces", []string{"JTB-TRC-003"}},
		{ProgressAfterDelivery, AreaProgress, "progress is accepted on a delivered task", []string{"JTB-PRG-003"}},
		{ProgressByOtherAgent, AreaProgress, "progress from an agent that is not the assignee is stored", []string{"JTB-PRG-006"}},
	}
}

// Set is the defects switched on. The mock consults it at a few points
// only; a nil or empty set is a correct mock.
type Set map[string]bool

// Has reports whether the named defect is on.
func (s Set) Has(name string) bool { return s[name] }

// Parse turns names (as --defect takes them) into a Set; a name the
// registry does not hold is an error.
func Parse(names []string) (Set, error) {
	all := All()
	set := Set{}
	for _, n := range names {
		if !slices.ContainsFunc(all, func(d Defect) bool { return d.Name == n }) {
			return nil, fmt.Errorf("unknown defect %q (jtb mock --defect list prints them)", n)
		}
		set[n] = true
	}
	return set, nil
}

// Plain is a description without its Markdown code marks, for a terminal.
func (d Defect) Plain() string { return strings.ReplaceAll(d.Description, "`", "") }
