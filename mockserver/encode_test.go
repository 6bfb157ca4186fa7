package mockserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/jobtobot/jtb/mockserver/core"
	"github.com/jobtobot/jtb/mockserver/defect"
)

// reflectPage is the listing as encoding/json writes it: the reference the
// hand-assembled page must equal byte for byte.
func reflectPage(t *testing.T, m *Mock, page core.Page) []byte {
	t.Helper()
	v := pageView{Items: make([]taskView, len(page.Items)),
		Pagination: paginationView{HasMore: page.HasMore, TotalEstimate: page.TotalEstimate}}
	for i, task := range page.Items {
		v.Items[i] = m.taskOf(task)
	}
	if page.NextCursor != "" {
		v.Pagination.NextCursor = &page.NextCursor
	}
	data, err := json.Marshal(dataBody{OK: true, Data: v})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func newEncodeMock(t *testing.T, defects ...string) *Mock {
	t.Helper()
	m, err := New(Options{Defects: defects})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	// A title and description that need escaping, as the newest task.
	if _, err := m.store.CreateTask(core.NewTask{Title: `Quote " back\slash <b>&</b> é 日本 ` + "\u2028 \x01",
		Description: "line\nbreak\ttab", Category: "writing", Band: "basic", PriceCents: 1}); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPageEncodingMatchesReflection(t *testing.T) {
	tests := []struct {
		name    string
		defects []string
		query   core.ListQuery
	}{
		{"first page", nil, core.ListQuery{Limit: 20}},
		{"whole listing, no next cursor", nil, core.ListQuery{Limit: 100, Category: "writing"}},
		{"empty page", nil, core.ListQuery{Limit: 20, Category: "no-such-category"}},
		{"price as a number", []string{defect.PriceAsNumber}, core.ListQuery{Limit: 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newEncodeMock(t, tt.defects...)
			for pass := range 2 { // the second pass is served from the cache
				page, err := m.store.List(tt.query)
				if err != nil {
					t.Fatal(err)
				}
				rep := m.pageReply(page)
				if want := reflectPage(t, m, page); !bytes.Equal(rep.body, want) || rep.status != http.StatusOK {
					t.Fatalf("pass %d: status %d, body\n%s\nwant\n%s", pass, rep.status, rep.body, want)
				}
			}
		})
	}
}

// A cached task whose listed fields change (a claimed task stays listed with
// a defect) must be encoded again, not served stale.
func TestEncodedTaskFollowsChanges(t *testing.T) {
	m := newEncodeMock(t)
	page, err := m.store.List(core.ListQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	task := page.Items[0]
	for _, change := range []func(*core.Task){
		func(t *core.Task) {},
		func(t *core.Task) { t.Status = core.StatusClaimed },
		func(t *core.Task) { t.Title = "another title" },
		func(t *core.Task) { t.PriceCents++ },
	} {
		change(&task)
		got, err := m.encodedTask(task)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(m.taskOf(task))
		if !bytes.Equal(got, want) {
			t.Fatalf("encodedTask = %s, want %s", got, want)
		}
	}
}
