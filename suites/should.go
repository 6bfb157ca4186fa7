package suites

import (
	"fmt"
	"net/http"

	"github.com/jobtobot/jtb/catalogue"
	"github.com/jobtobot/jtb/suites/results"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// shouldFailure carries a failed SHOULD assertion out of its check.
type shouldFailure struct{ message string }

// should runs SHOULD-level assertions of one SHOULD clause inside a spec of
// another clause (a MUST spec, or a setup helper one uses). The spec asserts
// the seed's fact itself; should holds the answer to our decision on top of
// it (a verdict or status name, a 201 where the seed says only success, an
// error code). When the check fails, the spec goes on and the failure is
// recorded as a finding of that clause (results.FindingEntry, redacted),
// which makes the clause warn: a failure only with --strict. The check
// stops at its first failed assertion. A clause that is not a SHOULD clause
// of the catalogue is a spec bug and fails the spec.
func (s *specs) should(id string, check func(g Gomega)) {
	GinkgoHelper()
	if cl, ok := s.env.Catalogue.Clause(id); !ok || cl.Level != catalogue.Should {
		Fail(fmt.Sprintf("spec bug: should(%q) names no SHOULD clause of the catalogue", id))
	}
	var failed *shouldFailure
	func() {
		defer func() {
			if r := recover(); r != nil {
				f, ok := r.(shouldFailure)
				if !ok {
					panic(r) // a Ginkgo Fail or a real panic: not ours to hide
				}
				failed = &f
			}
		}()
		check(NewGomega(func(message string, _ ...int) { panic(shouldFailure{message}) }))
	}()
	if failed != nil {
		record(results.Finding{Clause: id, Reason: s.env.Redactor().String(failed.message)})
	}
}

// created holds a creation answer (a new bid, a new progress trace) to the
// seed, which calls any 2xx a success: a success envelope is MUST. The 201
// is our decision, a SHOULD of clause id.
func (s *specs) created(x *Exchange, id string) {
	GinkgoHelper()
	Expect(x).To(BeAnySuccess())
	s.should(id, func(g Gomega) { g.Expect(x).To(HaveStatus(http.StatusCreated)) })
}

// refused holds an error answer to the running spec's clause. In a spec of
// a MUST clause the status is the seed's (its error table) and so is the
// envelope (JTB-ENV-001: ok false, error.code and error.message); the
// code's name is our decision, a SHOULD of JTB-ENV-004 checked on top. In a
// spec of a SHOULD clause all three are the clause's own.
func (s *specs) refused(x *Exchange, status int, code string) {
	GinkgoHelper()
	id, _ := catalogue.IDOfText(CurrentSpecReport().LeafNodeText)
	if cl, ok := s.env.Catalogue.Clause(id); ok && cl.Level == catalogue.Should {
		Expect(x).To(HaveErrorCode(status, code))
		return
	}
	Expect(x).To(HaveStatus(status))
	Expect(x).To(BeErrorEnvelope())
	s.should("JTB-ENV-004", func(g Gomega) { g.Expect(x).To(HaveErrorCode(status, code)) })
}
