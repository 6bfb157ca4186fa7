package core

import (
	"slices"
	"time"
)

// index holds tasks in ascending (createdAt, id) order; the listing walks it
// backwards for newest first. New tasks are usually the newest, so an insert
// is an append; a page is a binary search plus limit steps.
type index struct {
	items []*task
}

// less orders by (createdAt, id) ascending.
func less(at time.Time, id string, t *task) bool {
	if !at.Equal(t.CreatedAt) {
		return at.Before(t.CreatedAt)
	}
	return id < t.ID
}

// search returns the position of the first item not less than (at, id).
func (x *index) search(at time.Time, id string) int {
	lo, hi := 0, len(x.items)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		t := x.items[mid]
		if t.CreatedAt.Before(at) || (t.CreatedAt.Equal(at) && t.ID < id) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

func (x *index) insert(t *task) {
	n := len(x.items)
	if n == 0 || less(x.items[n-1].CreatedAt, x.items[n-1].ID, t) {
		x.items = append(x.items, t)
		return
	}
	i := x.search(t.CreatedAt, t.ID)
	x.items = slices.Insert(x.items, i, t)
}

func (x *index) remove(t *task) {
	i := x.search(t.CreatedAt, t.ID)
	if i < len(x.items) && x.items[i] == t {
		x.items = slices.Delete(x.items, i, i+1)
	}
}

func (x *index) sort() {
	slices.SortFunc(x.items, func(a, b *task) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
}
