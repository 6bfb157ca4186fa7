package suites

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// newerFirst reports whether a is listed before b: createdAt, then id, descending.
func newerFirst(a, b Task) bool {
	ta, tb := mustTime(a.CreatedAt), mustTime(b.CreatedAt)
	if !ta.Equal(tb) {
		return ta.After(tb)
	}
	return a.ID > b.ID
}

func page(c *Client, query string) Page {
	GinkgoHelper()
	x := get(c, "/v1/tasks/available?"+query)
	Expect(x).To(BeAPage())
	return Data[Page](x)
}

func (s *specs) discoverySpecs() {
	Describe("Discovery and pagination", func() {
		s.with("read-only listing", needs(), func() {
			a := func() *Client { return s.env.A }
			s.it("JTB-PAG-001", "lists only open tasks", func() {
				for _, t := range listAll(a(), "", 100) {
					Expect(t.Status).To(Equal("open"), "task %s", t.ID)
				}
			})
			s.it("JTB-PAG-002", "a full traversal returns each task once", func() {
				all := ids(listAll(a(), "", 7))
				Expect(all).To(HaveLen(len(compactSorted(all))), "a task appears twice")
			})
			s.it("JTB-PAG-006", "lists newest first across pages", func() {
				all := listAll(a(), "", 50)
				for i := 1; i < len(all); i++ {
					Expect(newerFirst(all[i-1], all[i])).To(BeTrue(), "item %d (%s, %s) is listed before item %d (%s, %s)",
						i-1, all[i-1].CreatedAt, all[i-1].ID, i, all[i].CreatedAt, all[i].ID)
				}
			})
			s.it("JTB-PAG-011", "a listed task carries the seed's fields, price as a decimal string", func() {
				p := page(a(), "limit=100")
				for _, t := range p.Items {
					Expect(t.ID).NotTo(BeEmpty())
					Expect(t.Title).NotTo(BeEmpty(), "task %s", t.ID)
					Expect(t.Category).NotTo(BeEmpty(), "task %s", t.ID)
					Expect(t.Price).To(MatchRegexp(`^[0-9]+\.[0-9]{2}$`), "task %s", t.ID)
					mustTime(t.CreatedAt)
				}
			})
			s.it("JTB-PAG-013", "the page carries next_cursor, has_more and total_estimate", func() {
				Expect(get(a(), "/v1/tasks/available")).To(BeAPage())
			})
			s.it("JTB-PAG-012", "an unknown category is an empty page", func() {
				p := page(a(), "category="+category())
				Expect(p.Items).To(BeEmpty())
				Expect(*p.Pagination.HasMore).To(BeFalse())
			})
			s.table("accepts limit at both ends of 1..100",
				func(limit int) {
					p := page(a(), fmt.Sprintf("limit=%d", limit))
					Expect(len(p.Items)).To(BeNumerically("<=", limit))
				},
				s.entry("JTB-PAG-004", "limit=1", 1),
				s.entry("JTB-PAG-004", "limit=100", 100),
			)
			s.table("rejects a limit outside 1..100 with 400",
				func(limit string) {
					x := get(a(), "/v1/tasks/available?limit="+limit)
					s.refused(x, http.StatusBadRequest, "BAD_REQUEST")
				},
				s.entry("JTB-PAG-005", "limit=0", "0"),
				s.entry("JTB-PAG-005", "limit=101", "101"),
				s.entry("JTB-PAG-005", "limit=-1", "-1"),
				s.entry("JTB-PAG-005", "limit=abc", "abc"),
				s.entry("JTB-PAG-005", "limit=1.5", "1.5"),
				s.entry("JTB-PAG-005", "limit= (empty)", ""),
			)
			s.table("rejects a bad cursor with 400",
				func(cursor func() string) {
					x := get(a(), "/v1/tasks/available?limit=2&cursor="+url.QueryEscape(cursor()))
					s.refused(x, http.StatusBadRequest, "BAD_REQUEST")
				},
				s.entry("JTB-PAG-007", "garbage", func() string { return "not-a-cursor" }),
				s.entry("JTB-PAG-007", "a real cursor with one character changed", func() string {
					c := firstCursor(a(), "limit=2")
					b := []byte(c)
					i := len(b) / 2
					if b[i] == 'A' {
						b[i] = 'B'
					} else {
						b[i] = 'A'
					}
					return string(b)
				}),
				s.entry("JTB-PAG-007", "a real cursor cut short", func() string {
					c := firstCursor(a(), "limit=2")
					return c[:len(c)/2]
				}),
			)
		})

		s.with("listings of the spec's own category", needs(NeedControl, NeedWrites), func() {
			a := func() *Client { return s.env.A }
			s.it("JTB-PAG-002", "a traversal of a category returns each of its tasks exactly once", func() {
				cat := category()
				created := s.newTasks(cat, 7)
				got := ids(listAll(a(), "category="+cat, 3))
				Expect(got).To(ConsistOf(created))
			})
			s.it("JTB-PAG-003", "the category filter holds on every page", func() {
				cat := category()
				s.newTasks(cat, 5)
				for _, t := range listAll(a(), "category="+cat, 2) {
					Expect(t.Category).To(Equal(cat), "task %s on a later page", t.ID)
				}
			})
			s.it("JTB-PAG-004", "without limit a page holds 20 tasks", func() {
				cat := category()
				s.newTasks(cat, 21)
				p := page(a(), "category="+cat)
				Expect(p.Items).To(HaveLen(20))
				Expect(*p.Pagination.HasMore).To(BeTrue())
			})
			s.it("JTB-PAG-006", "lists a category's tasks newest first", func() {
				cat := category()
				s.newTasks(cat, 5)
				all := listAll(a(), "category="+cat, 2)
				Expect(all).To(HaveLen(5))
				for i := 1; i < len(all); i++ {
					Expect(newerFirst(all[i-1], all[i])).To(BeTrue(), "%s listed before %s", all[i-1].ID, all[i].ID)
				}
			})
			s.it("JTB-PAG-007", "rejects a cursor from another category filter", func() {
				cat := category()
				s.newTasks(cat, 3)
				c := firstCursor(a(), "limit=1&category="+cat)
				x := get(a(), "/v1/tasks/available?limit=1&cursor="+url.QueryEscape(c))
				s.refused(x, http.StatusBadRequest, "BAD_REQUEST")
			})
			s.it("JTB-PAG-008", "the last page has has_more false and next_cursor null", func() {
				cat := category()
				s.newTasks(cat, 4)
				p := page(a(), "limit=2&category="+cat)
				Expect(*p.Pagination.HasMore).To(BeTrue())
				last := page(a(), "limit=2&category="+cat+"&cursor="+url.QueryEscape(*p.Pagination.NextCursor))
				Expect(last.Items).To(HaveLen(2))
				Expect(*last.Pagination.HasMore).To(BeFalse())
				Expect(last.Pagination.NextCursor).To(BeNil())
				exact := page(a(), "limit=4&category="+cat)
				Expect(*exact.Pagination.HasMore).To(BeFalse(), "a page holding every task says has_more")
				Expect(exact.Pagination.NextCursor).To(BeNil())
			})
			s.it("JTB-PAG-009", "total_estimate counts the category's open tasks", func() {
				cat := category()
				s.newTasks(cat, 3)
				p := page(a(), "limit=1&category="+cat)
				Expect(*p.Pagination.TotalEstimate).To(BeNumerically(">=", len(p.Items)))
				Expect(*p.Pagination.TotalEstimate).To(BeNumerically("~", 3, 1))
			})
			s.it("JTB-PAG-001", "a claimed task leaves the listing", func() {
				cat := category()
				id := s.newTask(cat)
				s.accept(id, s.placeBid(a(), id).ID)
				Expect(ids(listAll(a(), "category="+cat, 10))).NotTo(ContainElement(id))
				Expect(s.controlTask(id).Status).To(Equal("claimed"))
			})
			s.it("JTB-PAG-010", "a task claimed mid-traversal makes no other task repeat or vanish", func() {
				cat := category()
				created := s.newTasks(cat, 9)
				first := page(a(), "limit=3&category="+cat)
				Expect(first.Items).To(HaveLen(3))
				seen := ids(first.Items)
				claimed := first.Items[0].ID
				s.accept(claimed, s.placeBid(a(), claimed).ID)
				more, next := *first.Pagination.HasMore, first.Pagination.NextCursor
				for pages := 0; more; pages++ {
					Expect(pages).To(BeNumerically("<", 10), "the traversal of 9 tasks does not end")
					p := page(a(), "limit=3&category="+cat+"&cursor="+url.QueryEscape(*next))
					seen = append(seen, ids(p.Items)...)
					more, next = *p.Pagination.HasMore, p.Pagination.NextCursor
				}
				Expect(seen).To(ConsistOf(created), "every task must be seen exactly once")
			})
		})
	})
}

// firstCursor returns the next_cursor of the first page of a query that has more.
func firstCursor(c *Client, query string) string {
	GinkgoHelper()
	p := page(c, query)
	if p.Pagination.NextCursor == nil {
		Skip("the target lists too few tasks to hold a cursor")
	}
	return *p.Pagination.NextCursor
}

func compactSorted(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
