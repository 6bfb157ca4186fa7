package explore

import (
	"fmt"
	"reflect"
	"regexp"
)

var pricePattern = regexp.MustCompile(`^[0-9]+\.[0-9]{2}$`)

// listingFields are the fields the page's example shows for a task.
var listingFields = []string{"id", "title", "description", "category", "status", "band", "price", "createdAt"}

// judgeList compares a page of the listing. Every page is held to what the
// page fixes on its own (open tasks only, the filter, the limit, the seed's
// fields); a page of one of the run's categories is also compared with the
// model's page, and a walk (first page, then next_cursor after next_cursor)
// with everything the model says was open meanwhile. A page of every
// category holds the target's other tasks too, so only its invariants are
// judged.
func (e *execution) judgeList(f *findings, s Step, t *Exchange, td, md map[string]any) {
	now := e.x.model.clock.Now()
	items, ok := td["items"].([]any)
	if !ok {
		f.add("JTB-PAG-002", false, "the page has no items array")
		return
	}
	pg, _ := td["pagination"].(map[string]any)
	next, hasNext := pg["next_cursor"]
	more, hasMore := pg["has_more"].(bool)
	est, hasEst := pg["total_estimate"].(float64)
	_, estPresent := pg["total_estimate"]
	if pg == nil || !hasNext || !hasMore || !estPresent {
		f.add("JTB-PAG-013", false, "the page lacks pagination with next_cursor, has_more and total_estimate")
	}
	cursor, isString := next.(string)
	switch {
	case hasMore && more && (!isString || cursor == ""):
		f.add("JTB-PAG-008", false, "has_more is true but next_cursor is %s", short(next))
	case hasMore && !more && next != nil:
		f.add("JTB-PAG-008", false, "the last page (has_more false) has next_cursor %s, not null", short(next))
	}
	if estPresent && (!hasEst || est < 0 || est != float64(int64(est))) {
		f.add("JTB-PAG-009", false, "total_estimate is %s, not a count", short(pg["total_estimate"]))
	}
	e.reach("JTB-PAG-013", "JTB-PAG-008", "JTB-PAG-009", "JTB-PAG-004", "JTB-PAG-011", "JTB-PAG-001")
	if s.Category > 0 {
		e.reach("JTB-PAG-003")
	}
	if n := limitOf(s); len(items) > n {
		f.add("JTB-PAG-004", false, "the page holds %d tasks, more than its limit %d", len(items), n)
	}

	var tseq []string // model ids of the run's tasks on the target's page, in order
	for _, it := range items {
		item, _ := it.(map[string]any)
		var missing []string
		for _, k := range listingFields {
			if _, ok := item[k]; !ok {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			f.add("JTB-PAG-011", false, "a listed task lacks %v", missing)
		}
		if p, ok := item["price"].(string); !ok || !pricePattern.MatchString(p) {
			f.add("JTB-PAG-011", false, "a listed task's price is %s, not a decimal string like \"15.00\"", short(item["price"]))
		}
		if item["status"] != "open" {
			f.add("JTB-PAG-001", false, "the listing holds a task whose status is %s", short(item["status"]))
		}
		if s.Category > 0 && item["category"] != e.cats[s.Category] {
			f.add("JTB-PAG-003", false, "a page of category %q holds a task of category %s", e.cats[s.Category], short(item["category"]))
			continue
		}
		id, _ := item["id"].(string)
		mid, known := e.st.t2m[id]
		ref := e.taskOfModel(mid)
		switch {
		case !known || ref == nil:
			if s.Category > 0 {
				f.add("JTB-PAG-003", false, "a page of the run's category %q holds a task this run never posted (%s)", e.cats[s.Category], short(id))
			}
			continue
		case ref.Tainted:
			continue
		}
		if st := ref.status(now); st != "open" {
			f.add("JTB-PAG-001", false, "the listing holds a task the model says is %s", st)
		}
		for k, want := range map[string]string{"title": ref.Title, "band": ref.Band, "price": ref.Price} {
			if item[k] != want && (k != "price" || pricePattern.MatchString(fmt.Sprint(item[k]))) {
				f.add("JTB-PAG-011", false, "a listed task's %s is %s, not the %q posted", k, short(item[k]), want)
			}
		}
		tseq = append(tseq, mid)
	}

	// The page this step leaves for the next one, on both sides.
	walkID := s.ID
	if s.Page > 0 {
		walkID = e.st.pages[s.Page].Walk
	}
	mpg, _ := md["pagination"].(map[string]any)
	mcur, _ := mpg["next_cursor"].(string)
	if s.Category == 0 || s.Cursor != "" {
		return
	}
	if !hasMore || !more {
		cursor = ""
	}
	e.st.pages[s.ID] = &pageRef{Walk: walkID, Cat: s.Category, Limit: s.Limit, Cursor: [2]string{cursor, mcur}}

	var mseq []string
	mitems, _ := md["items"].([]any)
	for _, it := range mitems {
		item, _ := it.(map[string]any)
		id, _ := item["id"].(string)
		if ref := e.taskOfModel(id); ref != nil && !ref.Tainted {
			mseq = append(mseq, id)
		}
	}
	w := e.st.walks[walkID]
	if w == nil {
		w = &walkRef{Cat: s.Category, Version: e.st.version[s.Category], Start: map[string]bool{}, Seen: map[string]bool{}}
		for _, ref := range e.st.tasks {
			if ref.Cat == s.Category && !ref.Tainted && ref.status(now) == "open" {
				w.Start[ref.ID[1]] = true
			}
		}
		e.st.walks[walkID] = w
	}
	w.Last = s.ID
	static := w.Version == e.st.version[s.Category]
	walkClause := "JTB-PAG-002"
	if !static {
		walkClause = "JTB-PAG-010"
	}
	e.reach(walkClause, "JTB-PAG-006")
	if len(mitems) == 0 && s.Page == 0 {
		e.reach("JTB-PAG-012") // a category no task has (yet) is an empty page
	}
	repeated := false
	for _, id := range tseq {
		if w.Seen[id] {
			repeated = true
			f.add(walkClause, false, "a task listed on an earlier page of this walk is listed again")
		}
		w.Seen[id] = true
	}
	switch {
	case repeated, reflect.DeepEqual(tseq, mseq):
	case static:
		f.add("JTB-PAG-006", false, "the page lists the category's tasks in another order than newest first (createdAt, then id, descending)")
	default:
		f.add("JTB-PAG-010", false, "after tasks of the category changed mid-walk, the page is not the one a cursor naming the last task seen gives")
	}
	if hasMore && !more && !w.Done {
		w.Done = true
		missing := 0
		for id := range w.Start {
			if ref := e.taskOfModel(id); ref != nil && !ref.Tainted && ref.status(now) == "open" && !w.Seen[id] {
				missing++
			}
		}
		if missing > 0 {
			f.add(walkClause, false, "the walk ended (has_more false) without %d task(s) that stayed open all along", missing)
		}
	}
}

// taskOfModel finds a task by its model id.
func (e *execution) taskOfModel(id string) *taskRef {
	for _, ref := range e.st.tasks {
		if ref.ID[1] == id {
			return ref
		}
	}
	return nil
}
