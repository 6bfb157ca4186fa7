package explore

import (
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jobtobot/jtb/internal/foreign"
)

// exploreForeign explores the kit's stand-in foreign server (internal/foreign):
// other ids, timestamps, key order, messages, extra fields, cursors, a path
// prefix, a control API elsewhere behind its own token and answering in
// other shapes, pins that replace, a clock that runs with wall time.
func exploreForeign(t *testing.T, fo foreign.Options, mod func(*Options)) *Result {
	t.Helper()
	srv := foreign.Start(t, fo)
	opts := Options{BaseURL: srv.URL, ControlURL: srv.ControlURL, ControlToken: srv.ControlToken, APIKeys: srv.Keys, Seed: 11, Steps: budget(3000), verify: true}
	if mod != nil {
		mod(&opts)
	}
	res, err := Explore(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// The stand-in is correct on every MUST clause: no divergence, only the
// warnings of the SHOULD decisions it decides otherwise.
func TestInternalForeignIsQuiet(t *testing.T) {
	res := exploreForeign(t, foreign.Options{}, nil)
	if res.Divergence != nil {
		t.Fatalf("the foreign server diverged:\n%s", printed(res))
	}
	var got []string
	for _, w := range res.Warnings {
		got = append(got, w.Clause)
	}
	// A placed bid answered 200; the verdicts rejected/warning/passed; no
	// Idempotent-Replayed header.
	if want := []string{"JTB-BID-002", "JTB-DLV-009", "JTB-IDEM-002"}; !slices.Equal(got, want) {
		t.Errorf("warnings of %v, want %v: %+v", got, want, res.Warnings)
	}
	if !testing.Short() && res.Coverage.Reached < res.Coverage.Total-2 {
		t.Errorf("the foreign server was hardly explored: %d of %d cells: %v", res.Coverage.Reached, res.Coverage.Total, res.Coverage.Cells)
	}
}

// Its broken variants are caught, under the page's 403 row and the replay.
func TestInternalForeignBrokenIsCaught(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   foreign.Options
		clause string
	}{
		{"progress from any agent", foreign.Options{ProgressFromAnyAgent: true}, "JTB-PRG-006"},
		{"Idempotency-Key ignored", foreign.Options{IgnoreIdempotencyKey: true}, "JTB-IDEM-001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := exploreForeign(t, tc.opts, nil)
			if res.Divergence == nil || res.Divergence.Clause != tc.clause {
				t.Fatalf("divergence %+v, want %s\n%s", res.Divergence, tc.clause, printed(res))
			}
		})
	}
}

// TestInternalForeignLong explores the stand-in for JTB_EXPLORE_SECONDS
// seconds (the acceptance run is 60); unset, it is skipped.
func TestInternalForeignLong(t *testing.T) {
	secs, err := strconv.Atoi(os.Getenv("JTB_EXPLORE_SECONDS"))
	if err != nil || secs <= 0 {
		t.Skip("set JTB_EXPLORE_SECONDS=60 to explore the stand-in foreign server that long")
	}
	res := exploreForeign(t, foreign.Options{}, func(o *Options) { o.Steps, o.Duration, o.verify = 0, time.Duration(secs)*time.Second, false })
	t.Log(printed(res))
	if res.Divergence != nil {
		t.Fatal("the foreign server diverged")
	}
}

// On a shared target (taskTime, cleanup) exploring leaves no trace: every
// task and agent it created is removed, and the server's clock is not moved.
func TestSharedTargetKeepsNoTrace(t *testing.T) {
	res := exploreForeign(t, foreign.Options{SharedTarget: true}, func(o *Options) { o.Steps = budget(1500) })
	if res.Divergence != nil {
		t.Fatalf("the shared foreign server diverged:\n%s", printed(res))
	}
	f := res.Footprint
	if f.TasksCreated == 0 || f.TasksRemoved != f.TasksCreated || f.AgentsRemoved != f.AgentsCreated || f.ClockSeconds != 0 || f.Left != "" {
		t.Errorf("footprint %+v: want every task and agent removed and the clock not moved", f)
	}
	if res.Coverage.Cells["pdqg_failed resubmit"] == 0 || res.Coverage.Clauses["JTB-CTL-010"] == 0 {
		t.Errorf("the window was not probed through the tasks' own time: %v", res.Coverage.Cells)
	}
}
