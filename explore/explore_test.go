package explore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/catalogue"
	"github.com/jobtobot/jtb/fixtures"
)

// runBuiltin explores the built-in mock (with defects) for a step budget,
// two programs at once as jtb explore does (a seed and a step budget give
// the same divergence with any number of workers).
func runBuiltin(t testing.TB, defects []string, mod func(*Options)) *Result {
	t.Helper()
	b, err := StartBuiltin(defects)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	opts := b.Options()
	opts.Seed, opts.Steps, opts.Workers, opts.verify = 1, 2000, DefaultWorkers, true
	if mod != nil {
		mod(&opts)
	}
	res, err := Explore(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// budget is a test's step budget, halved under -short (the race detector
// runs there, and makes every step several times slower).
func budget(n int) int {
	if testing.Short() {
		return n / 2
	}
	return n
}

func printed(r *Result) string {
	var b strings.Builder
	r.Print(&b)
	return b.String()
}

// The reference mock, explored, is the model: nothing diverges, SHOULD
// decisions included, and (verify) the model's state learnt from its
// answers is what the model shows after every step.
func TestGoodMockHasNoDivergence(t *testing.T) {
	for _, tc := range []struct {
		seed    uint64
		serial  bool
		workers int
	}{{1, false, 1}, {2, false, 3}, {3, true, 1}} { // --serial: one worker
		t.Run(fmt.Sprintf("seed %d serial %v workers %d", tc.seed, tc.serial, tc.workers), func(t *testing.T) {
			steps := budget(3000)
			res := runBuiltin(t, nil, func(o *Options) {
				o.Seed, o.Strict, o.Serial, o.Steps, o.Workers = tc.seed, true, tc.serial, steps, tc.workers
			})
			if res.Divergence != nil || len(res.Warnings) > 0 {
				t.Fatalf("the good mock diverged:\n%s", printed(res))
			}
			// The step budget is cut program by program, whatever the
			// workers: every program but the last runs its 40 steps.
			if progs := (steps + 39) / 40; res.Steps != steps || res.Programs != progs || res.Workers != tc.workers {
				t.Errorf("%d steps in %d programs on %d workers, want %d in %d on %d", res.Steps, res.Programs, res.Workers, steps, progs, tc.workers)
			}
			want := res.Coverage.Total - 1
			if tc.serial {
				want -= 2 // the two cells of concurrent groups
				if res.Coverage.Cells["open bid@group"] > 0 {
					t.Errorf("--serial sent groups: %v", res.Coverage.Cells)
				}
			}
			if !testing.Short() && res.Coverage.Reached < want { // the halved budget reaches fewer
				t.Errorf("only %d of %d cells reached: %v", res.Coverage.Reached, res.Coverage.Total, res.Coverage.Cells)
			}
		})
	}
}

// A seed writes the same programs: the model, not the target, decides what
// comes next.
func TestSeedsAreReproducible(t *testing.T) {
	programs := func(defects []string) []Step {
		b, err := StartBuiltin(defects)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		opts := b.Options()
		x, err := connect(t.Context(), opts)
		if err != nil {
			t.Fatal(err)
		}
		var steps []Step
		for p := range 3 {
			e, err := x.newExecution(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			g := newGenerator(newRand(5, uint64(p)), x, e)
			for range 40 {
				s, ok := g.next()
				if !ok {
					break
				}
				if _, err := e.run(t.Context(), s); err != nil {
					t.Fatal(err)
				}
				steps = append(steps, s)
			}
		}
		return steps
	}
	a, b := programs(nil), programs(nil)
	if !reflect.DeepEqual(stripGroups(a), stripGroups(b)) {
		t.Fatal("the same seed wrote two different programs")
	}
}

// Programs run at once find what one worker finds: the lowest program that
// diverges is reported, at the same step, shrunk to the same program.
func TestWorkersFindTheSameDivergence(t *testing.T) {
	for _, defect := range []string{"deliver-by-other-agent", "pdqg-040-rejected"} {
		t.Run(defect, func(t *testing.T) {
			t.Parallel()
			one := runBuiltin(t, []string{defect}, func(o *Options) { o.Steps, o.Workers = 5000, 1 })
			four := runBuiltin(t, []string{defect}, func(o *Options) { o.Steps, o.Workers = 5000, 4 })
			a, b := one.Divergence, four.Divergence
			switch {
			case a == nil || b == nil:
				t.Fatalf("no divergence: one worker %v, four %v", a != nil, b != nil)
			case four.Workers != 4:
				t.Fatalf("%d workers ran, want 4", four.Workers)
			case one.FirstDivergence.Programs < 2:
				t.Fatalf("%s diverges in program %d: no program ran beside another", defect, one.FirstDivergence.Programs)
			}
			if a.Clause != b.Clause || *one.FirstDivergence != (Progress{Programs: four.FirstDivergence.Programs, Steps: four.FirstDivergence.Steps, Seconds: one.FirstDivergence.Seconds}) {
				t.Errorf("one worker: %s after %d steps in %d programs; four: %s after %d steps in %d programs",
					a.Clause, one.FirstDivergence.Steps, one.FirstDivergence.Programs, b.Clause, four.FirstDivergence.Steps, four.FirstDivergence.Programs)
			}
			if !reflect.DeepEqual(stripGroups(a.Program.Steps), stripGroups(b.Program.Steps)) {
				t.Errorf("the reproductions differ:\none worker: %v\nfour: %v", stripGroups(a.Program.Steps), stripGroups(b.Program.Steps))
			}
		})
	}
}

// stripGroups leaves what a race's outcome cannot change.
func stripGroups(steps []Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.Op+fmt.Sprint(s.ID))
	}
	return out
}

// A saved reproduction replays: it diverges again on the broken mock, and
// not on the good one.
func TestSavedReproductionReplays(t *testing.T) {
	res := runBuiltin(t, []string{"resubmit-no-deadline"}, func(o *Options) { o.Steps = 5000 })
	if res.Divergence == nil {
		t.Fatal("no divergence to save")
	}
	saved, err := res.Save()
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(saved)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadSaved(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		defects []string
		diverge bool
	}{{[]string{"resubmit-no-deadline"}, true}, {nil, false}} {
		b, err := StartBuiltin(tc.defects)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Replay(t.Context(), b.Options(), back)
		b.Close()
		if err != nil {
			t.Fatal(err)
		}
		if (got.Divergence != nil) != tc.diverge {
			t.Fatalf("replay on %v: divergence %v, want %v\n%s", tc.defects, got.Divergence != nil, tc.diverge, printed(got))
		}
		if tc.diverge && got.Divergence.Clause != res.Divergence.Clause {
			t.Errorf("replay diverged under %s, the run under %s", got.Divergence.Clause, res.Divergence.Clause)
		}
	}
}

func TestReadSavedRefusesOtherFiles(t *testing.T) {
	for _, in := range []string{``, `{}`, `{"version":2,"program":{"steps":[{"id":1,"op":"task"}]}}`, `{"version":1,"program":{"steps":[]}}`, `{"version":1,"bogus":1}`} {
		if _, err := ReadSaved([]byte(in)); err == nil {
			t.Errorf("ReadSaved(%q) accepted it", in)
		}
	}
}

// The inputs are derived from the document: change a constraint in it and
// the derived probe follows.
func TestInputsAreDerivedFromTheDocument(t *testing.T) {
	doc, err := jtb.LoadAgentAPI()
	if err != nil {
		t.Fatal(err)
	}
	in, err := deriveInputs(doc)
	if err != nil {
		t.Fatal(err)
	}
	kinds := func(op string) []string {
		var out []string
		for _, m := range in.bodies[op] {
			out = append(out, m.fault.Kind+" "+m.fault.Field)
		}
		return out
	}
	for _, want := range []string{"json ", "root ", "required proposedPrice", "required coverLetter", "minimum proposedPrice", "maximum proposedPrice",
		"at-minimum proposedPrice", "at-maximum proposedPrice", "type proposedPrice", "type coverLetter", "minLength coverLetter", "maxLength coverLetter",
		"at-maxLength coverLetter", "pattern coverLetter"} {
		if !slices.Contains(kinds(OpBid), want) {
			t.Errorf("bids: no %q among %v", want, kinds(OpBid))
		}
	}
	for _, want := range []string{"required event", "maxLength event", "maxLength message", "type metadata"} {
		if !slices.Contains(kinds(OpProgress), want) {
			t.Errorf("progress: no %q among %v", want, kinds(OpProgress))
		}
	}
	var limits []string
	for _, p := range in.limit {
		limits = append(limits, p.value)
	}
	if want := []string{"abc", "1.5", "", "0", "1", "101", "100"}; !reflect.DeepEqual(limits, want) {
		t.Errorf("limit probes %q, want %q", limits, want)
	}
	// Tighten the cover letter to 10 characters in the document: the probe
	// follows the document, not a list of ours.
	doc.Components.Schemas["BidRequest"].Value.Properties["coverLetter"].Value.MaxLength = ptr(uint64(10))
	in, err = deriveInputs(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range in.bodies[OpBid] {
		if m.fault.Kind == "maxLength" && m.fault.Field == "coverLetter" {
			var v map[string]any
			json.Unmarshal(m.apply(map[string]any{"proposedPrice": 1.0, "coverLetter": "x"}), &v)
			if n := len(v["coverLetter"].(string)); n != 11 {
				t.Errorf("maxLength 10 gave a cover letter of %d characters, want 11", n)
			}
			if m.fault.Clause != "JTB-BID-008" {
				t.Errorf("maxLength coverLetter is fixed by %s, want JTB-BID-008", m.fault.Clause)
			}
			return
		}
	}
	t.Error("no maxLength probe of coverLetter")
}

func ptr[T any](v T) *T { return &v }

// Every clause the explorer judges under is in the catalogue.
func TestClausesExist(t *testing.T) {
	cat, err := catalogue.Parse(jtb.CatalogueSpec)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, id := range raceClause {
		ids = append(ids, id)
	}
	for _, id := range reuseClause {
		ids = append(ids, id)
	}
	for _, op := range []string{OpBid, OpDeliver, OpResubmit, OpProgress, OpList} {
		for _, kind := range []string{"json", "required", "minimum", "maximum", "type", "at-maximum"} {
			ids = append(ids, faultClause(op, kind, "proposedPrice"), faultClause(op, kind, "Idempotency-Key"))
		}
		ids = append(ids, successClause(op))
	}
	for _, v := range []string{"reject", "warn", "pass"} {
		ids = append(ids, bandClause(v), clashClause(v, "warn"))
	}
	for _, id := range ids {
		if _, ok := cat.Clause(id); !ok {
			t.Errorf("%s is not in catalogue.yaml", id)
		}
	}
}

// A target the explorer cannot judge is said to be so (exit 2), never
// explored halfway.
func TestCannotJudge(t *testing.T) {
	noControl := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"ok":false,"error":{"code":"NOT_FOUND","message":"no"}}`))
	}))
	defer noControl.Close()
	mock, err := StartBuiltin(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer mock.Close()
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"no control API", Options{BaseURL: noControl.URL, APIKeys: []string{fixtures.AlphaKey}}, "needs the control API"},
		{"nothing listens", Options{BaseURL: "http://127.0.0.1:1", APIKeys: []string{fixtures.AlphaKey}}, "does not answer"},
		{"a refused key", Options{BaseURL: mock.URL, APIKeys: []string{"jtb_live_nobody"}}, "refuses agent A's key"},
		{"not a URL", Options{BaseURL: "ftp://x"}, "not an http(s) URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Steps = 10
			_, err := Explore(t.Context(), tc.opts)
			if !errors.Is(err, ErrCannotJudge) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want ErrCannotJudge saying %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "jtb_live_nobody") {
				t.Errorf("the key is in the error: %v", err)
			}
		})
	}
}

// The reproduction holds no key, and names the clause and the page's words.
func TestReproductionIsRedactedAndQuoted(t *testing.T) {
	res := runBuiltin(t, []string{"deliver-by-other-agent"}, func(o *Options) { o.Steps = 5000 })
	out := printed(res)
	for _, key := range []string{fixtures.AlphaKey, fixtures.BravoKey, "jtb_live_mock_"} {
		if strings.Contains(out, key) {
			t.Errorf("the printout holds %s", key)
		}
	}
	for _, want := range []string{"DIVERGENCE: JTB-DLV-006 (MUST)", "the page says: Not the assigned agent, task not in correct status", "=> JTB-DLV-006 MUST"} {
		if !strings.Contains(out, want) {
			t.Errorf("the printout lacks %q:\n%s", want, out)
		}
	}
}
