package mockserver

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// stressLog is what the clients saw acknowledged.
type stressLog struct {
	mu     sync.Mutex
	bids   map[string]string            // bid id → task id (201)
	traces map[string]string            // trace id → task id (201)
	byKey  map[string]map[string]bool   // task + key → trace ids answered 201
	seen   map[string]map[string]string // task → agent → bid id
}

// TestStressInvariants runs many goroutines that mix every endpoint on a few
// shared tasks (bids, accepts, rejects, pinned scores, deliveries,
// resubmits, progress with and without Idempotency-Key, traces, listing,
// clock) against a mock with a state file compacting all the time; run it
// with -race. Afterwards, live and after a restart from the state file:
// a task has at most one assignee, one delivery and at most one resubmit;
// one bid per agent per task; every acknowledged bid and progress event is
// there; one effect per idempotency key.
func TestStressInvariants(t *testing.T) {
	const (
		tasks   = 40
		workers = 24
		steps   = 200
	)
	path := filepath.Join(t.TempDir(), "state.json")
	m, err := New(Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	m.journal.limit = 64 << 10 // compact often, under load
	keys := m.AgentKeys()
	ids := []string{m.fixture.Agents[0].ID, m.fixture.Agents[1].ID}
	for i := range 4 {
		a := mustStatus(t, serve(t, m, "POST", "/_control/agents", "", fmt.Sprintf(`{"name":"s%d"}`, i)), 201)
		keys = append(keys, a["apiKey"].(string))
		ids = append(ids, a["id"].(string))
	}
	agentOf := map[string]int{}
	for i, id := range ids {
		agentOf[id] = i
	}
	var taskIDs []string
	for range tasks {
		tk := mustStatus(t, serve(t, m, "POST", "/_control/tasks", "", `{"title":"Summarize the report","description":"the quarterly report","category":"summarization","band":"basic","price":"9.00"}`), 201)
		taskIDs = append(taskIDs, tk["id"].(string))
	}
	log := &stressLog{bids: map[string]string{}, traces: map[string]string{}, byKey: map[string]map[string]bool{}, seen: map[string]map[string]string{}}
	var advanced atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for range steps {
				task := taskIDs[rng.IntN(len(taskIDs))]
				a := rng.IntN(len(keys))
				stressStep(t, m, log, rng, task, keys[a], a, &advanced)
			}
		}()
	}
	wg.Wait()
	checkStress(t, "live", m, log, taskIDs, keys, agentOf)
	// Crash: no Close, the files stay as they are.
	crash(t, m)
	again, err := New(Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	checkStress(t, "after restart", again, log, taskIDs, keys, agentOf)
}

func stressStep(t *testing.T, m *Mock, log *stressLog, rng *rand.Rand, task, key string, agent int, advanced *atomic.Int64) {
	base := "/v1/tasks/" + task
	switch op := rng.IntN(10); op {
	case 0, 1:
		rec := serve(t, m, "POST", base+"/bids", key, `{"proposedPrice":5,"coverLetter":"me"}`)
		if rec.Code == 201 {
			var env struct{ Data bidView }
			json.Unmarshal(rec.Body.Bytes(), &env)
			log.mu.Lock()
			log.bids[env.Data.ID] = task
			log.mu.Unlock()
		}
		expectEnvelope(t, rec.Code, rec, 201, 409)
	case 2: // the poster answers a pending bid
		rec := serve(t, m, "GET", "/_control/tasks/"+task, "", "")
		var env struct{ Data controlTaskView }
		json.Unmarshal(rec.Body.Bytes(), &env)
		for _, b := range env.Data.Bids {
			if b.Status == "pending" {
				verb := []string{"accept", "reject"}[rng.IntN(3)/2]
				r := serve(t, m, "POST", "/_control/tasks/"+task+"/bids/"+b.ID+"/"+verb, "", "")
				expectEnvelope(t, r.Code, r, 200, 409)
				break
			}
		}
	case 3:
		r := serve(t, m, "POST", "/_control/tasks/"+task+"/pdqg", "", fmt.Sprintf(`{"scores":[%.2f]}`, rng.Float64()))
		expectEnvelope(t, r.Code, r, 200)
	case 4, 5:
		verb := []string{"deliver", "resubmit"}[rng.IntN(2)]
		r := serve(t, m, "POST", base+"/"+verb, key, `{"content":"# Summary\n\nRevenue rose 12% to 4.1 billion."}`)
		expectEnvelope(t, r.Code, r, 200, 403, 409)
	case 6, 7:
		k := fmt.Sprintf("key-%d", rng.IntN(8))
		header := []string{"Idempotency-Key", k}
		if rng.IntN(3) == 0 {
			header = nil
		}
		r := serve(t, m, "POST", base+"/progress", key, `{"event":"ev-`+k+`","message":"working"}`, header...)
		if r.Code == 201 {
			var env struct{ Data traceView }
			json.Unmarshal(r.Body.Bytes(), &env)
			log.mu.Lock()
			log.traces[env.Data.ID] = task
			if header != nil {
				scope := fmt.Sprintf("%s agent%d %s", task, agent, k) // not the API key: it would show in failures
				if log.byKey[scope] == nil {
					log.byKey[scope] = map[string]bool{}
				}
				log.byKey[scope][env.Data.ID] = true
			}
			log.mu.Unlock()
		}
		expectEnvelope(t, r.Code, r, 201, 403, 409)
	case 8:
		r := serve(t, m, "GET", base+"/traces", key, "")
		expectEnvelope(t, r.Code, r, 200, 403)
		r = serve(t, m, "GET", "/v1/tasks/available?limit=3&category=summarization", key, "")
		expectEnvelope(t, r.Code, r, 200)
	case 9: // half an hour at a time, 20 h at most: keys (24 h) never expire
		if advanced.Add(1) <= 40 {
			r := serve(t, m, "POST", "/_control/clock/advance", "", `{"seconds":1800}`)
			expectEnvelope(t, r.Code, r, 200)
		}
	}
}

// expectEnvelope fails on a status outside want or a broken envelope.
func expectEnvelope(t *testing.T, status int, rec *httptest.ResponseRecorder, want ...int) {
	t.Helper()
	if err := checkEnvelope(rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
		t.Errorf("%v: %s", err, rec.Body.Bytes())
	}
	if !slices.Contains(want, status) {
		t.Errorf("unexpected status %d: %s", status, rec.Body.Bytes())
	}
}

func checkStress(t *testing.T, when string, m *Mock, log *stressLog, taskIDs, keys []string, agentOf map[string]int) {
	t.Helper()
	var claimed, traces int
	for _, id := range taskIDs {
		st := mustStatus(t, serve(t, m, "GET", "/_control/tasks/"+id, "", ""), 200)
		raw, _ := json.Marshal(st)
		var v controlTaskView
		json.Unmarshal(raw, &v)
		accepted, byAgent := 0, map[string]bool{}
		for _, b := range v.Bids {
			if byAgent[b.AgentID] {
				t.Errorf("%s: task %s: two bids by agent %s", when, id, b.AgentID)
			}
			byAgent[b.AgentID] = true
			if b.Status == "accepted" {
				accepted++
				if v.AssignedAgentID == nil || *v.AssignedAgentID != b.AgentID {
					t.Errorf("%s: task %s: accepted bid of %s, assignee %v", when, id, b.AgentID, v.AssignedAgentID)
				}
			}
		}
		if accepted > 1 || (v.Status != "open") != (accepted == 1) {
			t.Errorf("%s: task %s (%s): %d accepted bids", when, id, v.Status, accepted)
		}
		attempts := map[int]int{}
		for _, d := range v.Deliveries {
			attempts[d.Attempt]++
		}
		if len(v.Deliveries) > 2 || attempts[1] > 1 || attempts[2] > 1 || (attempts[2] == 1 && attempts[1] == 0) {
			t.Errorf("%s: task %s: deliveries %+v", when, id, v.Deliveries)
		}
		if v.AssignedAgentID == nil {
			continue
		}
		claimed++
		rec := serve(t, m, "GET", "/v1/tasks/"+id+"/traces", keys[agentOf[*v.AssignedAgentID]], "")
		var env struct {
			Data struct{ Items []traceView } `json:"data"`
		}
		json.Unmarshal(rec.Body.Bytes(), &env)
		have := map[string]bool{}
		for _, tr := range env.Data.Items {
			have[tr.ID] = true
		}
		traces += len(have)
		for tid, task := range log.traces {
			if task == id && !have[tid] {
				t.Errorf("%s: acknowledged trace %s missing on task %s", when, tid, id)
			}
		}
	}
	for bid, task := range log.bids {
		st := mustStatus(t, serve(t, m, "GET", "/_control/tasks/"+task, "", ""), 200)
		found := false
		for _, b := range st["bids"].([]any) {
			found = found || b.(map[string]any)["id"] == bid
		}
		if !found {
			t.Errorf("%s: acknowledged bid %s missing", when, bid)
		}
	}
	for scope, ids := range log.byKey {
		if len(ids) != 1 {
			t.Errorf("%s: idempotency scope %q had %d effects", when, scope, len(ids))
		}
	}
	if claimed == 0 || len(log.traces) == 0 || len(log.byKey) == 0 {
		t.Errorf("%s: the stress did not reach the core: %d claimed, %d traces, %d keys", when, claimed, len(log.traces), len(log.byKey))
	}
	t.Logf("%s: %d tasks claimed, %d bids and %d traces acknowledged, %d idempotency scopes", when, claimed, len(log.bids), traces, len(log.byKey))
}
