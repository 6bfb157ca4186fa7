package mockserver

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// crashStateEnv makes the test binary a mock process (TestCrashChild) that
// serves on 127.0.0.1 with --state at the path it names.
const crashStateEnv = "JTB_CRASH_CHILD_STATE"

// TestCrashChild is not a test on its own: TestSIGKILLKeepsAcknowledgedWrites
// runs the test binary again with crashStateEnv set, and this serves until
// it is killed.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashStateEnv)
	if path == "" {
		t.Skip("only runs as the child of TestSIGKILLKeepsAcknowledgedWrites")
	}
	m, err := New(Options{StatePath: path})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(3)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(3)
	}
	fmt.Println("ADDR", ln.Addr().String())
	NewServer(m, DefaultLimits()).Serve(ln) // until SIGKILL
}

type child struct {
	cmd  *exec.Cmd
	base string
}

func startChild(t *testing.T, state string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), crashStateEnv+"="+state)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
				addr <- a
				break
			}
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case a := <-addr:
		return &child{cmd: cmd, base: "http://" + a}
	case <-time.After(30 * time.Second): // a guard, not a wait: the child prints at once
		t.Fatal("the mock child did not start")
		return nil
	}
}

func post(hc *http.Client, url, key, body string, header ...string) (int, map[string]any, error) {
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return doJSON(hc, req)
}

func get(hc *http.Client, url, key string) (int, map[string]any, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0, nil, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return doJSON(hc, req)
}

func doJSON(hc *http.Client, req *http.Request) (int, map[string]any, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var env struct {
		Data map[string]any `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return resp.StatusCode, nil, err
	}
	return resp.StatusCode, env.Data, nil
}

// TestSIGKILLKeepsAcknowledgedWrites kills the mock process hard in the
// middle of a stream of writes from many clients, restarts it on the same
// state file and finds every write that had been answered 201.
func TestSIGKILLKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	state := filepath.Join(t.TempDir(), "state.json")
	c := startChild(t, state)
	hc := &http.Client{Timeout: 20 * time.Second}

	// One task claimed by alpha (progress goes there), and open tasks for bids.
	must := func(status int, data map[string]any, err error) map[string]any {
		t.Helper()
		if err != nil || status/100 != 2 {
			t.Fatalf("setup: %d %v %v", status, data, err)
		}
		return data
	}
	task := must(post(hc, c.base+"/_control/tasks", "", `{"title":"T","description":"D","category":"coding","band":"basic","price":"5.00"}`))
	claimed := task["id"].(string)
	bid := must(post(hc, c.base+"/v1/tasks/"+claimed+"/bids", alphaKey, `{"proposedPrice":4,"coverLetter":"x"}`))
	must(post(hc, c.base+"/_control/tasks/"+claimed+"/bids/"+bid["id"].(string)+"/accept", "", ""))

	const writers = 8
	var (
		mu     sync.Mutex
		traces = map[string]string{} // trace id → event, answered 201
		bids   = map[string]string{} // bid id → task id, answered 201
		acked  atomic.Int64
		wg     sync.WaitGroup
	)
	killAt := int64(400)
	killed := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				var (
					status int
					data   map[string]any
					err    error
				)
				if i%4 == 3 { // a bid on a fresh task: created by control, bid by bravo
					_, tk, terr := post(hc, c.base+"/_control/tasks", "", `{"title":"B","description":"D","category":"data","band":"basic","price":"5.00"}`)
					if terr != nil || tk == nil {
						return
					}
					status, data, err = post(hc, c.base+"/v1/tasks/"+tk["id"].(string)+"/bids", bravoKey, `{"proposedPrice":3,"coverLetter":"y"}`)
					if err == nil && status == 201 {
						mu.Lock()
						bids[data["id"].(string)] = data["taskId"].(string)
						mu.Unlock()
					}
				} else {
					event := fmt.Sprintf("w%d-%d", w, i)
					status, data, err = post(hc, c.base+"/v1/tasks/"+claimed+"/progress", alphaKey,
						`{"event":"`+event+`","message":"m"}`, "Idempotency-Key", event)
					if err == nil && status == 201 {
						mu.Lock()
						traces[data["id"].(string)] = event
						mu.Unlock()
					}
				}
				if err != nil {
					return // the process is gone: this write was never acknowledged
				}
				if status/100 != 2 {
					t.Errorf("write answered %d", status)
					return
				}
				if acked.Add(1) == killAt {
					c.cmd.Process.Signal(syscall.SIGKILL)
					close(killed)
				}
			}
		}()
	}
	wg.Wait()
	select {
	case <-killed:
	default:
		t.Fatalf("the writers stopped after %d acknowledged writes, before the kill", acked.Load())
	}
	err := c.cmd.Wait()
	if ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the child did not die of SIGKILL: %v", err)
	}

	again := startChild(t, state)
	status, data, err := get(hc, again.base+"/v1/tasks/"+claimed+"/traces", alphaKey)
	if err != nil || status != 200 {
		t.Fatalf("traces after restart: %d %v", status, err)
	}
	found := map[string]string{}
	for _, it := range data["items"].([]any) {
		tr := it.(map[string]any)
		if _, dup := found[tr["id"].(string)]; dup {
			t.Errorf("trace %s twice after restart", tr["id"])
		}
		found[tr["id"].(string)] = tr["event"].(string)
	}
	events := map[string]int{}
	for _, ev := range found {
		events[ev]++
	}
	for id, ev := range traces {
		if found[id] != ev {
			t.Errorf("acknowledged progress %s (%s) lost in the crash", id, ev)
		}
	}
	for ev, n := range events {
		if n > 1 {
			t.Errorf("event %s stored %d times", ev, n)
		}
	}
	for id, taskID := range bids {
		status, tk, err := get(hc, again.base+"/_control/tasks/"+taskID, "")
		if err != nil || status != 200 {
			t.Errorf("task %s of acknowledged bid %s lost: %d %v", taskID, id, status, err)
			continue
		}
		if bs, _ := tk["bids"].([]any); len(bs) != 1 || bs[0].(map[string]any)["id"] != id {
			t.Errorf("acknowledged bid %s lost: %v", id, tk["bids"])
		}
	}
	// An acknowledged idempotent answer replays after the restart.
	for id, ev := range traces {
		status, data, err := post(hc, again.base+"/v1/tasks/"+claimed+"/progress", alphaKey,
			`{"event":"`+ev+`","message":"m"}`, "Idempotency-Key", ev)
		if err != nil || status != 201 || data["id"] != id {
			t.Errorf("replay of %s after restart: %d %v %v", ev, status, data["id"], err)
		}
		break
	}
	t.Logf("acknowledged before SIGKILL: %d progress, %d bids; traces after restart: %d", len(traces), len(bids), len(found))
}
