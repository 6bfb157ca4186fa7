// Package results is the one findings protocol of a conformance run. The
// specs record what a Ginkgo outcome cannot say on its own, as report
// entries: findings (a SHOULD clause departed from inside a spec that goes
// on) and setup errors (the spec could not drive the target). Build turns a
// finished run's Ginkgo report into the outcome model: every spec and every
// clause with its outcome (pass, fail, warn, skip, error), and the run's
// verdict. `jtb check` prints the model and picks its exit code from the
// verdict; the report writers (JUnit here) serialize it. Every string in it
// is redacted already: the suite redacts before it records.
package results

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Report entry names the specs write (Ginkgo's AddReportEntry).
const (
	// FindingEntry holds a Finding: a departure from a SHOULD clause seen
	// inside a spec that goes on (an answer that breaks only inferred parts
	// of openapi.yaml, a failed should() check, a control answer that
	// departs from control-api.yaml).
	FindingEntry = "jtb-finding"
	// ErrorEntry holds a SetupError: the spec failed because it could not
	// drive the target, not because the target broke its clause.
	ErrorEntry = "jtb-error"
)

// Cuts of what a record holds, so no failure text grows past MaxText.
const (
	MaxRequestBody = 1 << 10 // a request body's excerpt
	MaxAnswerBody  = 2 << 10 // an answer body's excerpt
	MaxReason      = 300     // a finding's or an error's one-line reason
	MaxText        = 4000    // a spec's whole failure, warning or error text
)

// Exchange is one HTTP request and its answer as a spec saw them, redacted,
// the bodies cut to excerpts.
type Exchange struct {
	API         string `json:"api"` // "agent" or "control"
	Method      string `json:"method"`
	Path        string `json:"path"` // relative to the API's base URL
	As          string `json:"as"`   // who called: agent A, agent B, control, no key
	RequestBody string `json:"requestBody,omitempty"`
	Status      int    `json:"status"`
	ContentType string `json:"contentType,omitempty"`
	Body        string `json:"body,omitempty"`
	// BodyBytes is the length of the answer's body as read; Truncated says
	// the answer was longer than the suite reads at all.
	BodyBytes int  `json:"bodyBytes"`
	Truncated bool `json:"truncated,omitempty"`
}

// String renders the exchange for a message: request line, bodies, status.
func (x *Exchange) String() string {
	if x == nil {
		return "(no exchange)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  %s %s (as %s)\n", x.Method, x.Path, x.As)
	if x.RequestBody != "" {
		fmt.Fprintf(&b, "  request body: %s\n", x.RequestBody)
	}
	fmt.Fprintf(&b, "  -> %d %s\n", x.Status, x.ContentType)
	fmt.Fprintf(&b, "  body: %s", x.Body)
	if x.Truncated {
		fmt.Fprintf(&b, " (the answer is longer than %d MiB; the suite read no more)", x.BodyBytes>>20)
	}
	return b.String()
}

// Finding is a departure from a SHOULD clause, recorded in the spec that
// saw it; the spec goes on.
type Finding struct {
	Clause   string    `json:"clause"`
	Reason   string    `json:"reason"` // one line
	Exchange *Exchange `json:"exchange,omitempty"`
}

// String is what Ginkgo's own reports show of the entry.
func (f Finding) String() string {
	s := fmt.Sprintf("%s (a SHOULD finding, not a failure of this spec): %s", f.Clause, f.Reason)
	if f.Exchange != nil {
		s += "\n" + f.Exchange.String()
	}
	return s
}

// SetupError says why a spec could not drive the target: what it needed,
// why it did not get it, and the exchange when there was one.
type SetupError struct {
	What     string    `json:"what"` // e.g. "the control API could not create a task"
	Reason   string    `json:"reason"`
	Exchange *Exchange `json:"exchange,omitempty"`
}

func (e SetupError) String() string {
	s := e.What
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Exchange != nil {
		s += "\n" + e.Exchange.String()
	}
	return s
}

// Cut returns s cut to at most n bytes (at a rune boundary), saying how long
// it was when it cuts.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	note := fmt.Sprintf("... (cut, %d bytes in all)", len(s))
	end := max(0, n-len(note))
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + note
}

// OneLine folds s onto one line and cuts it to MaxReason.
func OneLine(s string) string {
	return Cut(strings.Join(strings.Fields(s), " "), MaxReason)
}
