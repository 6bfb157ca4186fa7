package core

import "github.com/jobtobot/jtb/mockserver/defect"

// ListQuery is a listing request; Limit is already checked by the caller.
type ListQuery struct {
	Category string
	Cursor   string
	Limit    int
}

// List returns one page of open tasks, newest first. It costs O(log n + limit).
func (s *Store) List(q ListQuery) (Page, error) {
	d := s.cfg.Defects
	s.mu.Lock()
	defer s.mu.Unlock()
	x := &s.open
	if q.Category != "" {
		x = s.byCategory[q.Category]
		if x == nil {
			x = &index{}
		}
	}
	var (
		kind = cursorKeyset
		c    cursor
	)
	if q.Cursor != "" {
		var ok bool
		kind, c, ok = s.decodeCursor(q.Cursor)
		switch {
		case !ok && d.Has(defect.PagBadCursorRestarts):
			kind, c = cursorKeyset, cursor{}
			q.Cursor = ""
		case !ok:
			return Page{}, errorf(CodeBadRequest, "cursor: not a cursor this server issued")
		case d.Has(defect.PagCategoryFirstPageOnly):
			x = &s.open // the broken mock forgets the filter after page one
		case c.category != q.Category:
			return Page{}, errorf(CodeBadRequest, "cursor: issued for another category filter")
		}
	}
	if d.Has(defect.PagOffsetCursor) {
		kind = cursorOffset
	}
	page := Page{TotalEstimate: len(x.items), Items: make([]Task, 0, min(q.Limit, len(x.items)))}
	oldestFirst := d.Has(defect.PagOldestFirst)
	// pos walks the ascending slice; step is -1 for newest first.
	pos, step := len(x.items)-1, -1
	if oldestFirst {
		pos, step = 0, 1
	}
	if q.Cursor != "" {
		switch {
		case kind == cursorOffset && oldestFirst:
			pos = c.offset
		case kind == cursorOffset:
			pos = len(x.items) - 1 - c.offset
		case oldestFirst:
			pos = x.search(c.at, c.id)
			if pos < len(x.items) && x.items[pos].ID == c.id && x.items[pos].CreatedAt.Equal(c.at) {
				pos++
			}
		default:
			pos = x.search(c.at, c.id) - 1
		}
	}
	offset := c.offset
	for pos >= 0 && pos < len(x.items) && len(page.Items) < q.Limit {
		t := x.items[pos]
		page.Items = append(page.Items, t.Task)
		pos += step
		offset++
	}
	page.HasMore = pos >= 0 && pos < len(x.items)
	if len(page.Items) > 0 && (page.HasMore || d.Has(defect.PagNextCursorOnLastPage)) {
		last := page.Items[len(page.Items)-1]
		page.NextCursor = s.encodeCursor(kind, cursor{category: q.Category, at: last.CreatedAt, id: last.ID, offset: offset})
	}
	return page, nil
}

func (s *Store) unlist(t *task) {
	if s.cfg.Defects.Has(defect.PagListsClaimed) {
		return
	}
	s.open.remove(t)
	if x := s.byCategory[t.Category]; x != nil {
		x.remove(t)
	}
}
