package explore

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobtobot/jtb/fixtures"
	"github.com/jobtobot/jtb/mockserver"
)

// front is a stand-in foreign server: the reference mock behind a front that
// makes every free choice otherwise (its own ids, timestamps without
// fractions, clock answers with an offset, reversed key order, its own error
// messages, extra fields everywhere, cursors of another format) and queues
// PDQG pins by replacing them, not appending. With otherwise set it also
// decides some of our SHOULD decisions otherwise (verdict and status names,
// 200 for created bids and traces, error codes in lower case, 409 for a
// reused key). The explorer must stay quiet on the free choices and only
// warn on the decisions.
type front struct {
	mock      *mockserver.Mock
	otherwise bool

	mu      sync.Mutex
	f2m     map[string]string // front id → mock id
	m2f     map[string]string
	rng     *rand.Rand
	pins    map[string][]float64 // by front task id: the pending scores (replaced by each pin)
	agentOf map[string]string    // API key → mock agent id
	done    map[string]bool      // delivery routes + keys answered 2xx: their replays score nothing
	deliver sync.Mutex           // one delivery at a time: the pin forwarded must be the one consumed
}

func newFront(t testing.TB, defects []string, otherwise bool) *httptest.Server {
	t.Helper()
	m, err := mockserver.New(mockserver.Options{Defects: defects, Clock: frozenClock{at: mockserver.Epoch}})
	if err != nil {
		t.Fatal(err)
	}
	f := &front{mock: m, otherwise: otherwise, f2m: map[string]string{}, m2f: map[string]string{}, rng: rand.New(rand.NewPCG(7, 7)),
		pins: map[string][]float64{}, agentOf: map[string]string{}, done: map[string]bool{}}
	var agents []struct{ ID, APIKey string }
	data, err := fs.ReadFile(fixtures.FS(), "agents.json")
	if err != nil || json.Unmarshal(data, &agents) != nil {
		t.Fatalf("fixtures: %v", err)
	}
	for _, a := range agents {
		f.agentOf[a.APIKey] = a.ID
	}
	srv := httptest.NewServer(f)
	t.Cleanup(func() { srv.Close(); m.Close() })
	return srv
}

var uuidish = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// toFront gives a mock id its front id (a new one on first sight).
func (f *front) toFront(id string) string {
	if fid, ok := f.m2f[id]; ok {
		return fid
	}
	var b [16]byte
	for i := range b {
		b[i] = byte(f.rng.UintN(256))
	}
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	fid := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	f.m2f[id], f.f2m[fid] = fid, id
	return fid
}

func (f *front) toMock(id string) string {
	if mid, ok := f.f2m[id]; ok {
		return mid
	}
	return id
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	segs := strings.Split(r.URL.Path, "/")
	for i, s := range segs {
		segs[i] = f.toMock(s)
	}
	path := strings.Join(segs, "/")
	q := r.URL.Query()
	if c := q.Get("cursor"); c != "" {
		if raw, err := base64.StdEncoding.DecodeString(c); err == nil && bytes.HasPrefix(raw, []byte("front:")) {
			q.Set("cursor", string(raw[6:]))
		}
	}
	f.mu.Unlock()

	if r.Method == http.MethodPost && strings.HasPrefix(path, "/_control/tasks/") && strings.HasSuffix(path, "/pdqg") {
		f.pin(w, r, body)
		return
	}
	isDelivery := r.Method == http.MethodPost && strings.HasPrefix(path, "/v1/tasks/") && (strings.HasSuffix(path, "/deliver") || strings.HasSuffix(path, "/resubmit"))
	if isDelivery {
		f.deliver.Lock()
		defer f.deliver.Unlock()
		f.forwardPin(r, path, body)
	}
	req := httptest.NewRequest(r.Method, path+"?"+q.Encode(), bytes.NewReader(body))
	req.Header = r.Header.Clone()
	rec := httptest.NewRecorder()
	f.mock.ServeHTTP(rec, req)
	if isDelivery && rec.Code/100 == 2 && r.Header.Get("Idempotency-Key") != "" {
		f.done[r.Header.Get("Authorization")+path+r.Header.Get("Idempotency-Key")] = true
	}
	f.answer(w, r, path, rec)
}

// pin keeps the scores itself: a new pin replaces the pending ones.
func (f *front) pin(w http.ResponseWriter, r *http.Request, body []byte) {
	var in struct {
		Scores []float64 `json:"scores"`
	}
	if json.Unmarshal(body, &in) != nil || len(in.Scores) == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": map[string]any{"code": "BAD_REQUEST", "message": "scores, please"}})
		return
	}
	id := strings.Split(r.URL.Path, "/")[3]
	f.mu.Lock()
	f.pins[id] = slices.Clone(in.Scores)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "data": map[string]any{"task": id, "queue": in.Scores, "mode": "replace"}})
}

// forwardPin hands the mock the first pending score when the mock is about
// to score this delivery, so that nothing stays queued in it.
func (f *front) forwardPin(r *http.Request, path string, body []byte) {
	f.mu.Lock()
	segs := strings.Split(path, "/")
	mockTask := segs[3]
	frontTask := f.m2f[mockTask]
	pending := f.pins[frontTask]
	key := r.Header.Get("Idempotency-Key")
	replay := key != "" && f.done[r.Header.Get("Authorization")+path+key]
	caller := ""
	if scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "bearer") {
		caller = f.agentOf[token]
	}
	f.mu.Unlock()
	var content struct {
		Content *string `json:"content"`
	}
	if len(pending) == 0 || replay || caller == "" || json.Unmarshal(body, &content) != nil || content.Content == nil || strings.TrimSpace(*content.Content) == "" {
		return
	}
	rec := httptest.NewRecorder()
	f.mock.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/_control/tasks/"+mockTask, nil))
	var st struct {
		Data struct {
			Status          string  `json:"status"`
			AssignedAgentID *string `json:"assignedAgentId"`
			Deliveries      []any   `json:"deliveries"`
		} `json:"data"`
	}
	if json.Unmarshal(rec.Body.Bytes(), &st) != nil || st.Data.AssignedAgentID == nil || *st.Data.AssignedAgentID != caller {
		return
	}
	switch {
	case segs[4] == "deliver" && st.Data.Status == "claimed":
	case segs[4] == "resubmit" && st.Data.Status == "pdqg_failed" && len(st.Data.Deliveries) == 1:
	default:
		return
	}
	pin := httptest.NewRequest(http.MethodPost, "/_control/tasks/"+mockTask+"/pdqg", strings.NewReader(fmt.Sprintf(`{"scores":[%v]}`, pending[0])))
	pin.Header.Set("Content-Type", "application/json")
	f.mock.ServeHTTP(httptest.NewRecorder(), pin)
	f.mu.Lock()
	f.pins[frontTask] = pending[1:]
	f.mu.Unlock()
}

var (
	otherVerdicts = map[string]string{"reject": "rejected", "warn": "warning", "pass": "clean"}
	otherStatuses = map[string]string{"delivered": "complete", "pdqg_failed": "gate_failed"}
)

// answer rewrites the mock's answer in the front's own free choices.
func (f *front) answer(w http.ResponseWriter, r *http.Request, path string, rec *httptest.ResponseRecorder) {
	status := rec.Code
	var v any
	if json.Unmarshal(rec.Body.Bytes(), &v) != nil {
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(status)
		w.Write(rec.Body.Bytes())
		return
	}
	f.mu.Lock()
	if path == "/_control/agents" && status == http.StatusCreated {
		if d, ok := v.(map[string]any)["data"].(map[string]any); ok {
			f.agentOf[fmt.Sprint(d["apiKey"])] = fmt.Sprint(d["id"])
		}
	}
	v = f.rewrite(v, "")
	f.mu.Unlock()
	env, _ := v.(map[string]any)
	if env != nil {
		env["requestId"] = fmt.Sprintf("req-%d", time.Now().UnixNano()%100000)
		if e, ok := env["error"].(map[string]any); ok {
			e["message"] = "the front refused this (" + strings.ToLower(fmt.Sprint(e["code"])) + ")"
			if f.otherwise {
				e["code"] = strings.ToLower(fmt.Sprint(e["code"]))
			}
		}
	}
	if f.otherwise {
		switch {
		case status == http.StatusCreated && (strings.HasSuffix(path, "/bids") || strings.HasSuffix(path, "/progress")):
			status = http.StatusOK
		case status == http.StatusUnprocessableEntity:
			status = http.StatusConflict
		}
	}
	for _, k := range []string{"Www-Authenticate", "Allow", "Idempotent-Replayed"} {
		if x := rec.Header().Get(k); x != "" {
			w.Header().Set(k, x)
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(encodeReversed(v))
}

var stampPattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$`)

func (f *front) rewrite(v any, key string) any {
	if key == "metadata" {
		return v // what the agent sent comes back as sent
	}
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			out[k] = f.rewrite(val, k)
		}
		if _, isTask := out["title"]; isTask {
			out["href"] = "/tasks/" + fmt.Sprint(out["id"])
		}
		if f.otherwise {
			if verdict, ok := out["verdict"].(string); ok {
				out["verdict"] = otherVerdicts[verdict]
			}
			if st, ok := out["status"].(string); ok && out["attempt"] != nil {
				if o, ok := otherStatuses[st]; ok {
					out["status"] = o
				}
			}
		}
		out["x_front"] = true
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = f.rewrite(val, key)
		}
		return out
	case string:
		switch {
		case key == "now":
			t, _ := time.Parse(time.RFC3339Nano, x)
			return t.In(time.FixedZone("", 0)).Format("2006-01-02T15:04:05-07:00")
		case key == "next_cursor":
			return base64.StdEncoding.EncodeToString([]byte("front:" + x))
		case uuidish.MatchString(x):
			return f.toFront(x)
		case stampPattern.MatchString(x):
			t, _ := time.Parse(time.RFC3339Nano, x)
			return t.UTC().Format("2006-01-02T15:04:05Z")
		}
	}
	return v
}

// encodeReversed writes JSON with every object's keys in reverse order.
func encodeReversed(v any) []byte {
	var b bytes.Buffer
	var enc func(any)
	enc = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			slices.Reverse(keys)
			b.WriteByte('{')
			for i, k := range keys {
				if i > 0 {
					b.WriteString(", ")
				}
				kb, _ := json.Marshal(k)
				b.Write(kb)
				b.WriteString(": ")
				enc(x[k])
			}
			b.WriteByte('}')
		case []any:
			b.WriteByte('[')
			for i, e := range x {
				if i > 0 {
					b.WriteByte(',')
				}
				enc(e)
			}
			b.WriteByte(']')
		default:
			vb, _ := json.Marshal(x)
			b.Write(vb)
		}
	}
	enc(v)
	return b.Bytes()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(encodeReversed(v))
}

func exploreFront(t *testing.T, url string, mod func(*Options)) *Result {
	t.Helper()
	opts := Options{BaseURL: url, APIKeys: []string{fixtures.AlphaKey, fixtures.BravoKey}, Seed: 3, Steps: budget(3000), Workers: DefaultWorkers}
	if mod != nil {
		mod(&opts)
	}
	res, err := Explore(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Against a server that makes every free choice otherwise, even --strict
// finds nothing: ids, timestamps, key order, messages, extra fields,
// cursors and how pins queue are never compared.
func TestForeignFreeChoicesAreNeverCompared(t *testing.T) {
	srv := newFront(t, nil, false)
	res := exploreFront(t, srv.URL, func(o *Options) { o.Strict = true })
	if res.Divergence != nil {
		var b strings.Builder
		res.Print(&b)
		t.Fatalf("a free choice diverged:\n%s", b.String())
	}
	if len(res.Warnings) > 0 {
		t.Fatalf("warnings on free choices: %+v", res.Warnings)
	}
	if !testing.Short() && res.Coverage.Reached < res.Coverage.Total-2 {
		t.Errorf("the front was hardly explored: %d of %d cells", res.Coverage.Reached, res.Coverage.Total)
	}
}

// A server that decides some of our SHOULD decisions otherwise gets warnings
// naming exactly those decisions, and no divergence (exit 0); --strict makes
// them divergences.
func TestForeignDecisionsAreWarnings(t *testing.T) {
	srv := newFront(t, nil, true)
	res := exploreFront(t, srv.URL, nil)
	if res.Divergence != nil {
		var b strings.Builder
		res.Print(&b)
		t.Fatalf("a SHOULD decision decided otherwise diverged without --strict:\n%s", b.String())
	}
	var got []string
	for _, w := range res.Warnings {
		got = append(got, w.Clause)
	}
	want := []string{"JTB-BID-002", "JTB-DLV-009", "JTB-DLV-010", "JTB-ENV-004", "JTB-IDEM-003", "JTB-PRG-005"}
	if !slices.Equal(got, want) {
		t.Errorf("warnings of %v, want %v: %+v", got, want, res.Warnings)
	}
	strict := exploreFront(t, srv.URL, func(o *Options) { o.Strict = true })
	if strict.Divergence == nil || !slices.Contains(want, strict.Divergence.Clause) {
		t.Errorf("--strict: divergence %+v, want one of %v", strict.Divergence, want)
	}
}

// The same front over a broken mock is caught: the free choices hide
// nothing.
func TestForeignBrokenIsCaught(t *testing.T) {
	for _, tc := range []struct{ defect, clause string }{
		{"bid-double-allowed", "JTB-BID-003"},
		{"resubmit-no-deadline", "JTB-RSB-003"},
		{"traces-metadata-dropped", "JTB-PRG-001"},
		{"pag-lists-claimed", "JTB-PAG-001"},
	} {
		t.Run(tc.defect, func(t *testing.T) {
			srv := newFront(t, []string{tc.defect}, true)
			res := exploreFront(t, srv.URL, func(o *Options) { o.Steps = 20000 })
			if res.Divergence == nil || res.Divergence.Clause != tc.clause {
				t.Fatalf("divergence %+v, want %s", res.Divergence, tc.clause)
			}
		})
	}
}
