package suites

import (
	"bytes"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// unknownTask is a well-formed task id no target holds.
const unknownTask = "00000000-0000-4000-8000-00000000beef"

// oversized is a JSON body just over the 1 MiB limit.
func oversized() []byte {
	pad := bytes.Repeat([]byte("a"), 1<<20)
	return JSON(map[string]string{"content": string(pad)})
}

func (s *specs) envelopeSpecs() {
	Describe("Envelope, errors and check order", func() {
		s.with("read-only requests", needs(), func() {
			a := func() *Client { return s.env.A }
			s.table("every error is the JSON envelope",
				func(x func() *Exchange) {
					Expect(x()).To(BeErrorEnvelope())
				},
				s.entry("JTB-ENV-001", "401 without a key", func() *Exchange { return get(s.env.Anonymous, "/v1/tasks/available") }),
				s.entry("JTB-ENV-001", "404 for an unknown task", func() *Exchange { return get(a(), taskPath(unknownTask, "traces")) }),
				s.entry("JTB-ENV-001", "400 for a bad limit", func() *Exchange { return get(a(), "/v1/tasks/available?limit=0") }),
				s.entry("JTB-ENV-001", "404 for an unknown path", func() *Exchange { return get(a(), "/v1/no-such-path") }),
			)
			s.it("JTB-ENV-002", "a success answer is {ok: true, data}", func() {
				Expect(get(a(), "/v1/tasks/available?limit=1")).To(BeSuccess(http.StatusOK))
			})
			s.table("every answer is application/json",
				func(x func() *Exchange) {
					Expect(x()).To(BeJSON())
				},
				s.entry("JTB-ENV-003", "a listing page", func() *Exchange { return get(a(), "/v1/tasks/available?limit=1") }),
				s.entry("JTB-ENV-003", "a 401", func() *Exchange { return get(s.env.Anonymous, "/v1/tasks/available") }),
				s.entry("JTB-ENV-003", "a 404 for an unknown task", func() *Exchange { return get(a(), taskPath(unknownTask, "traces")) }),
				s.entry("JTB-ENV-003", "a 404 for an unknown path", func() *Exchange { return get(a(), "/v1/no-such-path") }),
				s.entry("JTB-ENV-003", "a 405", func() *Exchange {
					return a().Do(Request{Method: http.MethodDelete, Path: "/v1/tasks/available"})
				}),
			)
			s.table("each status has its documented code",
				func(x func() *Exchange, status int, code string) {
					s.refused(x(), status, code)
				},
				s.entry("JTB-ENV-004", "400 BAD_REQUEST", func() *Exchange { return get(a(), "/v1/tasks/available?limit=0") }, 400, "BAD_REQUEST"),
				s.entry("JTB-ENV-004", "401 UNAUTHORIZED", func() *Exchange { return get(s.env.Anonymous, "/v1/tasks/available") }, 401, "UNAUTHORIZED"),
				s.entry("JTB-ENV-004", "404 NOT_FOUND", func() *Exchange { return get(a(), taskPath(unknownTask, "traces")) }, 404, "NOT_FOUND"),
				s.entry("JTB-ENV-004", "413 PAYLOAD_TOO_LARGE", func() *Exchange {
					return a().Do(Request{Method: http.MethodPost, Path: taskPath(unknownTask, "deliver"), Body: oversized()})
				}, 413, "PAYLOAD_TOO_LARGE"),
			)
			s.table("checks run in order",
				func(x func() *Exchange, status int, code string) {
					s.refused(x(), status, code)
				},
				s.entry("JTB-ENV-005", "401 before 404 and 400: no key, unknown task, invalid JSON", func() *Exchange {
					return s.env.Anonymous.Do(Request{Method: http.MethodPost, Path: taskPath(unknownTask, "bids"), Body: []byte("{oops")})
				}, 401, "UNAUTHORIZED"),
				s.entry("JTB-ENV-005", "401 before 413: no key, oversized body", func() *Exchange {
					return s.env.Anonymous.Do(Request{Method: http.MethodPost, Path: taskPath(unknownTask, "deliver"), Body: oversized()})
				}, 401, "UNAUTHORIZED"),
				s.entry("JTB-ENV-005", "413 before 404: oversized body, unknown task", func() *Exchange {
					return a().Do(Request{Method: http.MethodPost, Path: taskPath(unknownTask, "deliver"), Body: oversized()})
				}, 413, "PAYLOAD_TOO_LARGE"),
				s.entry("JTB-ENV-005", "404 before 400: invalid JSON on an unknown task", func() *Exchange {
					return a().Do(Request{Method: http.MethodPost, Path: taskPath(unknownTask, "bids"), Body: []byte("{oops")})
				}, 404, "NOT_FOUND"),
				s.entry("JTB-ENV-005", "404 before 400: missing fields on an unknown task", func() *Exchange {
					return post(a(), taskPath(unknownTask, "deliver"), map[string]any{})
				}, 404, "NOT_FOUND"),
			)
			s.it("JTB-ENV-006", "a body over 1 MiB is answered 413", func() {
				x := a().Do(Request{Method: http.MethodPost, Path: taskPath(unknownTask, "progress"), Body: oversized()})
				s.refused(x, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE")
			})
			s.it("JTB-ENV-007", "an unknown path is a 404 envelope", func() {
				s.refused(get(a(), "/v1/no-such-path"), http.StatusNotFound, "NOT_FOUND")
			})
			s.it("JTB-ENV-007", "a wrong method is a 405 envelope naming the allowed method", func() {
				x := a().Do(Request{Method: http.MethodDelete, Path: "/v1/tasks/available"})
				s.refused(x, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")
				Expect(x.Header.Get("Allow")).To(ContainSubstring("GET"), "Allow header\n%s", x)
			})
			s.table("a malformed task id is 404",
				func(method, op string) {
					r := Request{Method: method, Path: taskPath("not-a-uuid", op)}
					if method == http.MethodPost {
						r.Body = JSON(bidBody())
					}
					s.refused(a().Do(r), http.StatusNotFound, "NOT_FOUND")
				},
				s.entry("JTB-ENV-008", "GET traces", http.MethodGet, "traces"),
				s.entry("JTB-ENV-008", "POST bids", http.MethodPost, "bids"),
				s.entry("JTB-ENV-008", "POST deliver", http.MethodPost, "deliver"),
			)
			s.table("an unknown task is 404 on every task route",
				func(method, op string) {
					r := Request{Method: method, Path: taskPath(unknownTask, op)}
					if method == http.MethodPost {
						r.Body = JSON(map[string]any{"proposedPrice": 12.5, "coverLetter": "x", "content": "x", "event": "e", "message": "m"})
					}
					s.refused(a().Do(r), http.StatusNotFound, "NOT_FOUND")
				},
				s.entry("JTB-ENV-012", "POST bids", http.MethodPost, "bids"),
				s.entry("JTB-ENV-012", "POST deliver", http.MethodPost, "deliver"),
				s.entry("JTB-ENV-012", "POST progress", http.MethodPost, "progress"),
				s.entry("JTB-ENV-012", "GET traces", http.MethodGet, "traces"),
				s.entry("JTB-ENV-012", "POST resubmit", http.MethodPost, "resubmit"),
			)
		})

		s.with("the seed's error table, on tasks of the spec's own", needs(NeedControl, NeedWrites), func() {
			a := func() *Client { return s.env.A }
			s.table("400 Bad Request",
				func(body []byte) {
					id := s.newTask(category())
					x := a().Do(Request{Method: http.MethodPost, Path: taskPath(id, "bids"), Body: body})
					s.refused(x, http.StatusBadRequest, "BAD_REQUEST")
				},
				s.entry("JTB-ENV-010", "invalid JSON", []byte(`{"proposedPrice": 12.5,`)),
				s.entry("JTB-ENV-010", "a missing required field", JSON(map[string]any{"proposedPrice": 12.5})),
				s.entry("JTB-ENV-010", "a price out of range", JSON(map[string]any{"proposedPrice": -5, "coverLetter": "x"})),
			)
			s.it("JTB-ENV-011", "a task not in the correct status is 403 (resubmit on a claimed task)", func() {
				id := s.claimedBy(a())
				s.refused(deliver(a(), id, "resubmit", content), http.StatusForbidden, "FORBIDDEN")
			})
			s.it("JTB-ENV-013", "a second bid by the same agent is 409", func() {
				id := s.newTask(category())
				s.placeBid(a(), id)
				s.refused(post(a(), taskPath(id, "bids"), bidBody()), http.StatusConflict, "CONFLICT")
			})
			s.it("JTB-ENV-013", "a duplicate delivery is 409", func() {
				id := s.claimedBy(a())
				deliveredForSetup(a(), id, "deliver")
				s.refused(deliver(a(), id, "deliver", content), http.StatusConflict, "CONFLICT")
			})
			s.it("JTB-ENV-004", "403 is FORBIDDEN and 409 is CONFLICT", func() {
				id := s.claimedBy(a())
				s.refused(deliver(a(), id, "resubmit", content), http.StatusForbidden, "FORBIDDEN")
				s.refused(post(a(), taskPath(id, "bids"), bidBody()), http.StatusConflict, "CONFLICT")
			})
		})

		s.with("two agents", needs(NeedControl, NeedWrites, NeedSecondAgent), func() {
			// The 403 row covers every agent action on a task; the resubmit
			// of another agent is JTB-RSB-008's (it needs a rejected task).
			s.table("a caller that is not the assigned agent is 403",
				func(op string, body map[string]string) {
					id := s.claimedBy(s.env.A)
					s.refused(post(s.env.B, taskPath(id, op), body), http.StatusForbidden, "FORBIDDEN")
				},
				s.entry("JTB-ENV-011", "deliver", "deliver", map[string]string{"content": content}),
				s.entry("JTB-ENV-011", "progress", "progress", map[string]string{"event": "e", "message": "m"}),
			)
			s.it("JTB-ENV-013", "a bid on a claimed task is 409", func() {
				id := s.claimedBy(s.env.A)
				s.refused(post(s.env.B, taskPath(id, "bids"), bidBody()), http.StatusConflict, "CONFLICT")
			})
			s.it("JTB-ENV-005", "400 before 403: blank content from an agent that is not the assignee", func() {
				id := s.claimedBy(s.env.A)
				s.refused(deliver(s.env.B, id, "deliver", "  "), http.StatusBadRequest, "BAD_REQUEST")
			})
			s.it("JTB-ENV-005", "403 before 409: a second delivery by an agent that is not the assignee", func() {
				id := s.claimedBy(s.env.A)
				deliveredForSetup(s.env.A, id, "deliver")
				s.refused(deliver(s.env.B, id, "deliver", content), http.StatusForbidden, "FORBIDDEN")
			})
		})
	})
}
