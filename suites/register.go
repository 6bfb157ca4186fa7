// Package suites holds the conformance specs of the JobToBot Agent API. They
// talk to a target over HTTP only, so they check any implementation.
//
// A caller connects to a target (Connect), registers the specs (Register)
// and runs them with ginkgo's RunSpecs: `jtb check` and `go test ./suites/`
// both do so. Every spec names its clause of catalogue.yaml: its text opens
// with "[JTB-AREA-NNN]" and its labels carry the clause's area and level and
// what the spec needs (control, clock, pdqg-pin, second-agent, writes).
package suites

import (
	"errors"
	"fmt"
	"reflect"

	. "github.com/onsi/ginkgo/v2"
)

// What a spec needs from the target; each is also a label.
const (
	NeedControl     = "control"      // the control API (creates tasks, accepts bids)
	NeedClock       = "clock"        // the control API moves the server's clock
	NeedPin         = "pdqg-pin"     // the control API pins PDQG scores
	NeedSecondAgent = "second-agent" // a second agent key
	NeedWrites      = "writes"       // the spec changes the target's state
)

// specs registers the specs against one connected target.
type specs struct {
	env  *Env
	errs []error // spec bugs found while Ginkgo builds the tree
}

// Registered is what Register declared.
type Registered struct{ s *specs }

// Err reports the spec bugs found while Ginkgo built the spec tree, such as
// a spec that names a clause the catalogue does not hold. Ginkgo builds the
// tree in PreviewSpecs or RunSpecs, so call Err after PreviewSpecs and
// before running anything.
func (r *Registered) Err() error { return errors.Join(r.s.errs...) }

// Register declares every spec. Call it once, before RunSpecs.
func Register(env *Env) *Registered {
	s := &specs{env: env}
	Describe("Agent API conformance", func() {
		s.authSpecs()
		s.envelopeSpecs()
		s.discoverySpecs()
		s.biddingSpecs()
		s.idempotencySpecs()
		s.deliverySpecs()
		s.resubmitSpecs()
		s.progressSpecs()
		s.inferredSpecs()
		s.harnessSpecs()
		if env.Explore != nil {
			s.exploreSpecs()
		}
	})
	return &Registered{s: s}
}

// clauseLabels are the area and level labels of a clause. An unknown ID is a
// spec bug: it is recorded for Registered.Err (a panic here would end the
// process inside Ginkgo's tree building, with no clear message).
func (s *specs) clauseLabels(id string) Labels {
	cl, ok := s.env.Catalogue.Clause(id)
	if !ok {
		s.errs = append(s.errs, fmt.Errorf("a spec names clause %s, which the catalogue does not hold", id))
		return Label()
	}
	return Label(cl.AreaLabel(), cl.LevelLabel())
}

// it declares a spec of one clause. The spec's SpecContext reaches every
// request it sends: an interrupt or a spec timeout (a SpecTimeout
// decorator) cancels the request in flight.
func (s *specs) it(id, text string, body func(), decorators ...any) {
	args := append([]any{s.clauseLabels(id)}, decorators...)
	args = append(args, func(ctx SpecContext) {
		s.env.spec.set(ctx)
		defer s.env.spec.set(nil)
		body()
	})
	It(fmt.Sprintf("[%s] %s", id, text), args...)
}

// entry declares one table row of one clause.
func (s *specs) entry(id, text string, params ...any) TableEntry {
	args := append([]any{s.clauseLabels(id)}, params...)
	return Entry(fmt.Sprintf("[%s] %s", id, text), args...)
}

// table is DescribeTable whose rows get the SpecContext as s.it's specs do:
// body takes the rows' parameters, and table hands Ginkgo a function that
// takes the context first, which Ginkgo passes.
func (s *specs) table(text string, body any, entries ...TableEntry) {
	fn := reflect.ValueOf(body)
	ft := fn.Type()
	in := []reflect.Type{reflect.TypeFor[SpecContext]()}
	for i := range ft.NumIn() {
		in = append(in, ft.In(i))
	}
	wrapped := reflect.MakeFunc(reflect.FuncOf(in, nil, false), func(args []reflect.Value) []reflect.Value {
		s.env.spec.set(args[0].Interface().(SpecContext))
		defer s.env.spec.set(nil)
		fn.Call(args[1:])
		return nil
	})
	args := []any{wrapped.Interface()}
	for _, e := range entries {
		args = append(args, e)
	}
	DescribeTable(text, args...)
}

// with groups specs that need the same things from the target: they carry
// the labels, and are skipped, with the reason, when the target lacks one.
func (s *specs) with(text string, needs []string, body func(), decorators ...any) {
	args := append([]any{Label(needs...)}, decorators...)
	args = append(args, func() {
		BeforeEach(func() { s.require(needs...) })
		body()
	})
	Describe(text, args...)
}

func needs(n ...string) []string { return n }

// require skips the running spec when the target lacks something it needs.
func (s *specs) require(needs ...string) {
	e := s.env
	for _, n := range needs {
		switch {
		case n == NeedWrites && e.Target.ReadOnly:
			Skip("--read-only: this spec writes to the target")
		case (n == NeedControl || n == NeedClock || n == NeedPin) && e.Control == nil:
			Skip(e.NoControl + "; set --control-url (and --control-token)")
		case n == NeedClock && !e.Caps.Clock:
			Skip("the control API cannot move the clock (capabilities.clock is false)")
		case n == NeedPin && !e.Caps.PDQGPin:
			Skip("the control API cannot pin PDQG scores (capabilities.pdqgPin is false)")
		case n == NeedSecondAgent && e.B == nil && e.Target.ReadOnly:
			Skip("needs a second agent: set --api-key-b (--read-only creates no agent through the control API)")
		case n == NeedSecondAgent && e.B == nil:
			Skip("needs a second agent: set --api-key-b (or a control API that creates agents)")
		}
	}
}
