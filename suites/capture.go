package suites

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jobtobot/jtb/catalogue"
	"github.com/jobtobot/jtb/suites/results"
	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
)

// Bounds of a Capture, so that a run against a target that answers without
// end cannot make it hold more than about MaxCapturedBytes of bodies.
const (
	// MaxCapturedEntries is how many exchanges a Capture keeps; later ones
	// are counted (Dropped), not kept. A whole run makes under a thousand.
	MaxCapturedEntries = 20000
	// MaxCapturedBody is how much of each request and answer body it keeps.
	MaxCapturedBody = 64 << 10
	// MaxCapturedBytes is how much of all bodies it keeps; past it, the
	// exchanges are kept without their bodies.
	MaxCapturedBytes = 64 << 20
)

// Phases name the exchanges made outside any spec.
const (
	PhasePreflight = "preflight"
	PhaseRun       = "between specs" // Ginkgo runs; no spec node is running
	PhaseAfterRun  = "after the run" // the run's own agents removed, the clock read again
)

// Capture keeps the exchanges of a run, every request any client of an Env
// sends (Env.Capture), for the reports that show them (the HAR, the HTML
// report). It keeps them raw and redacts when they are read (Entries),
// with every secret the run came to know by then: a key the control API
// created is redacted in the very answer that created it.
type Capture struct {
	// the bounds: MaxCapturedEntries, MaxCapturedBody, MaxCapturedBytes
	maxEntries, maxBody, maxBytes int

	mu      sync.Mutex
	phase   string
	entries []Captured
	dropped int
	bytes   int
}

// NewCapture starts a capture in the preflight phase.
func NewCapture() *Capture {
	return &Capture{maxEntries: MaxCapturedEntries, maxBody: MaxCapturedBody, maxBytes: MaxCapturedBytes, phase: PhasePreflight}
}

// SetPhase names the exchanges made outside any spec from now on.
func (c *Capture) SetPhase(phase string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.phase = phase
}

// Captured is one exchange.
type Captured struct {
	Start    time.Time
	Duration time.Duration // from sending the request to the answer's last byte read
	API      string        // "agent" or "control"
	As       string        // the caller: agent A, agent B, control, no key
	// Spec is the name of the spec that made the call (results.Spec.Name)
	// and Clause its clause; outside a spec both are "" and Phase says when
	// (PhasePreflight, or the Ginkgo node that ran, e.g. AfterSuite).
	Spec, Clause, Phase string

	Method, URL, Proto string
	RequestHeader      http.Header // as sent, Host and Content-Length included
	RequestBody        []byte      // its first MaxCapturedBody bytes
	RequestSize        int         // the whole body's length

	// Status is 0 when the request got no answer (Err says why).
	Status         int
	ResponseHeader http.Header
	ResponseBody   []byte // its first MaxCapturedBody bytes
	ResponseSize   int    // the bytes the suite read of it
	// ResponseTruncated: the answer was longer than the suite reads at all
	// (MaxBody).
	ResponseTruncated bool
	// BodiesLeftOut: the Capture's MaxCapturedBytes were spent, so no body
	// of this exchange was kept.
	BodiesLeftOut bool
	Err           string
}

// RequestCut and ResponseCut say a body is longer than what was kept.
func (x Captured) RequestCut() bool  { return len(x.RequestBody) < x.RequestSize }
func (x Captured) ResponseCut() bool { return len(x.ResponseBody) < x.ResponseSize }

// add keeps one exchange of client cl; resp is nil when the request got no
// answer. A nil Capture keeps nothing.
func (c *Capture) add(cl *Client, req *http.Request, body []byte, start time.Time, resp *http.Response, data []byte, truncated bool, err error) {
	if c == nil {
		return
	}
	x := Captured{
		Start: start, Duration: time.Since(start), API: cl.api, As: cl.as,
		Method: req.Method, URL: req.URL.String(), Proto: req.Proto,
		RequestHeader: req.Header.Clone(), RequestSize: len(body),
	}
	if x.RequestHeader == nil {
		x.RequestHeader = http.Header{}
	}
	x.RequestHeader.Set("Host", req.URL.Host)
	if body != nil {
		x.RequestHeader.Set("Content-Length", strconv.Itoa(len(body)))
	}
	if resp != nil {
		x.Status, x.Proto, x.ResponseHeader = resp.StatusCode, resp.Proto, resp.Header.Clone()
		x.ResponseSize, x.ResponseTruncated = len(data), truncated
	}
	if err != nil {
		x.Err = err.Error()
	}
	sr := CurrentSpecReport()
	switch {
	case sr.LeafNodeType == types.NodeTypeIt:
		x.Spec = results.Spec{Text: sr.LeafNodeText, Containers: sr.ContainerHierarchyTexts}.Name()
		x.Clause, _ = catalogue.IDOfText(sr.LeafNodeText)
	case sr.LeafNodeType != types.NodeTypeInvalid:
		x.Phase = sr.LeafNodeType.String()
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if x.Spec == "" && x.Phase == "" {
		x.Phase = c.phase
	}
	if len(c.entries) >= c.maxEntries {
		c.dropped++
		return
	}
	reqKept, respKept := min(len(body), c.maxBody), min(len(data), c.maxBody)
	if c.bytes+reqKept+respKept > c.maxBytes {
		x.BodiesLeftOut = true
	} else {
		c.bytes += reqKept + respKept
		x.RequestBody = append([]byte(nil), body[:reqKept]...)
		x.ResponseBody = append([]byte(nil), data[:respKept]...)
	}
	c.entries = append(c.entries, x)
}

// Dropped is how many exchanges came past MaxCapturedEntries.
func (c *Capture) Dropped() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dropped
}

// Entries returns the exchanges kept, in the order they were made,
// redacted with r: the Authorization value and every header that looks
// secret (SecretHeader) replaced, every secret r knows hidden in the URL,
// the headers, the bodies and the error. Where a body was cut, its last
// bytes are left out too, as many as the longest secret but one, so that
// no piece of a secret the cut fell into survives.
func (c *Capture) Entries(r Redactor) []Captured {
	c.mu.Lock()
	entries := append([]Captured(nil), c.entries...)
	c.mu.Unlock()
	for i := range entries {
		x := &entries[i]
		x.URL = r.String(x.URL)
		x.RequestHeader = redactHeader(x.RequestHeader, r)
		x.ResponseHeader = redactHeader(x.ResponseHeader, r)
		x.RequestBody = redactBody(x.RequestBody, x.RequestCut(), r)
		x.ResponseBody = redactBody(x.ResponseBody, x.ResponseCut(), r)
		x.Err = r.String(x.Err)
	}
	return entries
}

// Redacted is the mark that stands for a hidden secret.
const Redacted = "[REDACTED]"

func redactHeader(h http.Header, r Redactor) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for name, values := range h {
		kept := make([]string, len(values))
		for i, v := range values {
			switch {
			case SecretHeader(name):
				// The scheme of a credential is no secret, and says which one was sent.
				if scheme, _, ok := strings.Cut(v, " "); ok && !strings.ContainsAny(scheme, "=:") && len(scheme) < 16 {
					kept[i] = scheme + " " + Redacted
				} else {
					kept[i] = Redacted
				}
			default:
				kept[i] = r.String(v)
			}
		}
		out[name] = kept
	}
	return out
}

func redactBody(b []byte, cut bool, r Redactor) []byte {
	if len(b) == 0 {
		return b
	}
	if cut {
		end := max(0, len(b)-max(0, r.longest()-1))
		for end > 0 && end < len(b) && !utf8.RuneStart(b[end]) {
			end--
		}
		b = b[:end]
	}
	return r.Bytes(b)
}
