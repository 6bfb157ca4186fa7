package mockserver

import (
	"fmt"

	"github.com/jobtobot/jtb/mockserver/core"
)

// Defect is one rule the mock can break on purpose (docs/DEFECTS.md).
type Defect struct{ Name, Area, Description string }

// Defects is exactly the table of docs/DEFECTS.md, in that order.
func Defects() []Defect {
	return []Defect{
		{"auth-accept-any-key", "auth", "accepts any bearer token (an unknown key acts as agent alpha)"},
		{"auth-missing-is-403", "auth", "answers a request without `Authorization` with 403 instead of 401"},
		{"auth-no-www-authenticate", "auth", "401 answers lack the `WWW-Authenticate: Bearer` header"},
		{"envelope-no-ok", "envelope", "error bodies lack `\"ok\": false`"},
		{"envelope-text-errors", "envelope", "404 for an unknown task is `text/plain`, not the JSON envelope"},
		{"error-code-lowercase", "envelope", "error codes are sent in lower case (`conflict`)"},
		{"order-400-before-404", "envelope", "validates the body before looking the task up (bad body on unknown task → 400)"},
		{"body-limit-missing", "envelope", "accepts request bodies over 1 MiB (never 413)"},
		{"pag-limit-unbounded", "discovery", "accepts `limit` above 100"},
		{"pag-default-limit-50", "discovery", "default page size is 50, not 20"},
		{"pag-offset-cursor", "discovery", "the cursor is a plain offset, so a task claimed mid-traversal makes another one vanish"},
		{"pag-next-cursor-on-last-page", "discovery", "the last page has a non-null `next_cursor` with `has_more: false`"},
		{"pag-lists-claimed", "discovery", "claimed tasks stay in the listing"},
		{"pag-oldest-first", "discovery", "lists oldest first"},
		{"pag-category-first-page-only", "discovery", "the category filter is dropped after the first page"},
		{"pag-bad-cursor-restarts", "discovery", "a tampered cursor restarts at the first page instead of 400"},
		{"price-as-number", "discovery", "`price` is a JSON number, not a decimal string"},
		{"bid-double-allowed", "bidding", "a second bid by the same agent on the same task is accepted"},
		{"bid-on-claimed-allowed", "bidding", "bids on a claimed task are accepted"},
		{"bid-nonpositive-price", "bidding", "`proposedPrice` 0 or below is accepted"},
		{"bid-returns-200", "bidding", "a created bid answers 200 instead of 201"},
		{"idem-ignored", "idempotency", "Idempotency-Key is ignored: a retry runs again"},
		{"idem-no-replay-header", "idempotency", "a replay lacks `Idempotent-Replayed: true`"},
		{"idem-reuse-allowed", "idempotency", "the same key with another body runs as a new request (no 422)"},
		{"idem-global-scope", "idempotency", "keys are not scoped to the API key: another agent's key replays the first agent's answer"},
		{"pdqg-040-rejected", "delivery", "a score of exactly 0.40 is rejected (`<=` instead of `<`)"},
		{"pdqg-065-pass", "delivery", "a score of exactly 0.65 is verdict `pass` instead of `warn`"},
		{"deliver-twice-allowed", "delivery", "a second deliver by the assignee is accepted"},
		{"deliver-by-other-agent", "delivery", "an agent that is not the assignee can deliver"},
		{"deliver-empty-scored", "delivery", "empty content is scored (PDQG reject) instead of 400"},
		{"resubmit-twice", "resubmit", "a second resubmit is accepted"},
		{"resubmit-no-deadline", "resubmit", "the 6-hour window is not enforced"},
		{"resubmit-fail-stays-failed", "resubmit", "a rejected resubmit leaves the task `pdqg_failed`, not `pdqg_final_fail`"},
		{"resubmit-no-deadline-field", "resubmit", "a rejected delivery's answer lacks `resubmitDeadline`"},
		{"traces-newest-first", "traces", "traces are listed newest first"},
		{"traces-metadata-dropped", "traces", "`metadata` does not round-trip (stored as `{}`)"},
		{"traces-visible-to-others", "traces", "any agent can read a task's traces"},
		{"progress-after-delivery", "progress", "progress is accepted on a delivered task"},
	}
}

// The defects the HTTP layer implements; the core handles the rest.
const (
	defAuthAcceptAnyKey      = "auth-accept-any-key"
	defAuthMissingIs403      = "auth-missing-is-403"
	defAuthNoWWWAuthenticate = "auth-no-www-authenticate"
	defEnvelopeNoOK          = "envelope-no-ok"
	defEnvelopeTextErrors    = "envelope-text-errors"
	defErrorCodeLowercase    = "error-code-lowercase"
	defOrder400Before404     = "order-400-before-404"
	defBodyLimitMissing      = "body-limit-missing"
	defPagLimitUnbounded     = "pag-limit-unbounded"
	defPagDefaultLimit50     = "pag-default-limit-50"
	defPriceAsNumber         = "price-as-number"
	defBidReturns200         = "bid-returns-200"
	defIdemIgnored           = "idem-ignored"
	defIdemNoReplayHeader    = "idem-no-replay-header"
	defIdemGlobalScope       = "idem-global-scope"
)

func defectSet(names []string) (core.Defects, error) {
	known := map[string]bool{}
	for _, d := range Defects() {
		known[d.Name] = true
	}
	set := core.Defects{}
	for _, n := range names {
		if !known[n] {
			return nil, fmt.Errorf("unknown defect %q (jtb mock --defect list prints them)", n)
		}
		set[n] = true
	}
	return set, nil
}
