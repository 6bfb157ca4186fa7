package suites

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func (s *specs) authSpecs() {
	Describe("Authentication", func() {
		s.with("reading", needs(), func() {
			s.it("JTB-AUTH-001", "accepts a valid API key as a Bearer token", func() {
				Expect(get(s.env.A, "/v1/tasks/available")).To(BeAPage())
			})
			s.it("JTB-AUTH-004", "accepts the scheme word in any case (bearer)", func() {
				key := strings.TrimPrefix(s.env.A.auth, "Bearer ")
				x := s.env.A.Do(Request{Method: http.MethodGet, Path: "/v1/tasks/available", Auth: "bearer " + key})
				Expect(x).To(BeAPage())
			})
		})

		// Every route, with every way of not being authenticated. The task id
		// is well-formed but unknown: 401 comes before 404.
		routes := []struct{ method, path string }{
			{http.MethodGet, "/v1/tasks/available"},
			{http.MethodPost, taskPath(unknownTask, "bids")},
			{http.MethodPost, taskPath(unknownTask, "deliver")},
			{http.MethodPost, taskPath(unknownTask, "progress")},
			{http.MethodGet, taskPath(unknownTask, "traces")},
			{http.MethodPost, taskPath(unknownTask, "resubmit")},
		}
		badAuth := []struct{ name, header string }{
			{"no Authorization header", ""},
			{"an unknown key", "Bearer jtb_live_not_a_key_of_this_target"},
			{"an empty Bearer token", "Bearer "},
			{"the Basic scheme", "Basic dXNlcjpwYXNz"},
			{"a key without a scheme", "jtb_live_not_a_key_of_this_target"},
		}
		call := func(method, path, header string) *Exchange {
			GinkgoHelper()
			r := Request{Method: method, Path: path, NoAuth: header == "", Auth: header}
			if method == http.MethodPost {
				r.Body = JSON(bidBody())
			}
			return s.env.Anonymous.Do(r)
		}
		s.with("without a valid key", needs(), func() {
			var entries []TableEntry
			for _, rt := range routes {
				for _, ba := range badAuth {
					entries = append(entries, s.entry("JTB-AUTH-002", rt.method+" "+strings.Replace(rt.path, unknownTask, "{taskId}", 1)+" with "+ba.name+" is 401", rt.method, rt.path, ba.header))
				}
			}
			s.table("is answered 401",
				func(method, path, header string) {
					s.refused(call(method, path, header), http.StatusUnauthorized, "UNAUTHORIZED")
				}, entries...)

			s.it("JTB-AUTH-003", "a 401 carries WWW-Authenticate with the Bearer scheme", func() {
				for _, ba := range badAuth {
					x := call(http.MethodGet, "/v1/tasks/available", ba.header)
					Expect(x).To(HaveStatus(http.StatusUnauthorized))
					Expect(strings.ToLower(x.Header.Get("WWW-Authenticate"))).To(HavePrefix("bearer"),
						"with %s: WWW-Authenticate is %q\n%s", ba.name, x.Header.Get("WWW-Authenticate"), x)
				}
			})
		})

		s.with("agents the control API creates", needs(NeedControl, NeedWrites), func() {
			s.it("JTB-AUTH-005", "a new agent's key starts with jtb_live_ and is accepted", func() {
				if !s.env.Caps.Agents {
					Skip("the control API cannot create agents (capabilities.agents is false)")
				}
				x := s.newAgent("jtb-check-auth")
				succeeded(x, "the control API could not create an agent")
				key, ok := dataField[string](x.Body, "apiKey")
				if !ok {
					setupFailed("the control API could not create an agent", x, "the answer has no data.apiKey")
				}
				Expect(strings.HasPrefix(key, "jtb_live_")).To(BeTrue(), "the new key does not start with jtb_live_")
				Expect(s.env.Anonymous.Do(Request{Method: http.MethodGet, Path: "/v1/tasks/available", Auth: "Bearer " + key})).To(BeAPage())
			})
		})
	})
}
