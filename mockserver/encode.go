package mockserver

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/jobtobot/jtb/mockserver/core"
)

// The listing is the mock's hottest answer (agents poll it in their test
// loops), and reflection-based encoding of 20 tasks was most of its cost
// (docs/PERFORMANCE.md). A task's listing fields do not change while it is
// listed, so each task is encoded once and the page is assembled from those
// bytes; the result is byte for byte what encoding/json writes for pageView
// (TestPageEncodingMatchesReflection).

// maxCachedItems bounds the cache; past it, tasks are encoded per request.
const maxCachedItems = 100_000

// itemCache holds the encoded JSON of listed tasks, by task id, and the
// page buffers they are assembled in (reused: a page is ~8 KB, the largest
// allocation of a listing, and most of the garbage the GC had to chase).
type itemCache struct {
	entries sync.Map // string → *encodedItem
	size    atomic.Int64
	pages   sync.Pool // *[]byte
}

// release returns a written page's buffer for reuse; other replies are left
// alone. Call it only once the reply is written and not kept.
func (x *itemCache) release(rep reply) {
	if rep.page != nil {
		*rep.page = rep.body[:0]
		x.pages.Put(rep.page)
	}
}

type encodedItem struct {
	task core.Task // what was encoded: the entry serves only an identical task
	json []byte
}

// encodedTask is json.Marshal(m.taskOf(t)), encoded once per task. An entry
// is used only while the task is equal field for field to the one encoded,
// so a status shown in the listing (a defect) or a reset can never serve
// stale bytes.
func (m *Mock) encodedTask(t core.Task) ([]byte, error) {
	if v, ok := m.encoded.entries.Load(t.ID); ok {
		if e := v.(*encodedItem); e.task == t {
			return e.json, nil
		}
	}
	data, err := json.Marshal(m.taskOf(t))
	if err != nil {
		return nil, err
	}
	if m.encoded.size.Load() < maxCachedItems {
		if _, loaded := m.encoded.entries.Swap(t.ID, &encodedItem{task: t, json: data}); !loaded {
			m.encoded.size.Add(1)
		}
	}
	return data, nil
}

// pageReply is m.dataReply(200, pageView{...}) without reflection.
func (m *Mock) pageReply(page core.Page) reply {
	const head, mid = `{"ok":true,"data":{"items":[`, `],"pagination":{"next_cursor":`
	bp, _ := m.encoded.pages.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	buf := append((*bp)[:0], head...)
	for i, t := range page.Items {
		item, err := m.encodedTask(t)
		if err != nil {
			return m.errorReply(core.CodeInternal, "encoding the answer failed")
		}
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, item...)
	}
	buf = append(buf, mid...)
	if page.NextCursor == "" {
		buf = append(buf, "null"...)
	} else {
		c, err := json.Marshal(page.NextCursor)
		if err != nil {
			return m.errorReply(core.CodeInternal, "encoding the answer failed")
		}
		buf = append(buf, c...)
	}
	buf = append(buf, `,"has_more":`...)
	buf = strconv.AppendBool(buf, page.HasMore)
	buf = append(buf, `,"total_estimate":`...)
	buf = strconv.AppendInt(buf, int64(page.TotalEstimate), 10)
	buf = append(buf, "}}}"...)
	return reply{status: http.StatusOK, body: buf, page: bp}
}
