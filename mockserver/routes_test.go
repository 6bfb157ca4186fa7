package mockserver

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/jobtobot/jtb"
)

// withdrawOperation is an operation the mock has no handler for, as a
// contributor might add it to openapi.yaml.
const withdrawOperation = `  /v1/tasks/{taskId}/withdraw:
    post:
      operationId: withdrawBid
      summary: Withdraw a bid (not implemented by the mock)
      parameters:
        - name: taskId
          in: path
          required: true
          schema:
            type: string
      responses:
        "200":
          description: withdrawn
`

// scratchAgentAPI is a copy of openapi.yaml with edit applied to its text,
// loaded and validated as jtb loads the real one.
func scratchAgentAPI(t *testing.T, edit func(string) string) *openapi3.T {
	t.Helper()
	data, err := os.ReadFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "openapi.yaml")
	if err := os.WriteFile(path, []byte(edit(string(data))), 0o644); err != nil {
		t.Fatal(err)
	}
	jtb.RegisterFormats()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("the scratch document is not valid OpenAPI: %v", err)
	}
	return doc
}

func loadedDoc(t *testing.T, load func() (*openapi3.T, error)) *openapi3.T {
	t.Helper()
	doc, err := load()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestBindOperations: the routing table is the document, bound by
// operationId; an operation with no handler or a handler with no operation
// stops the mock from starting.
func TestBindOperations(t *testing.T) {
	for _, tc := range []struct {
		name     string
		doc      func(t *testing.T) *openapi3.T
		api      api
		handlers map[string]handler
		want     []string // fragments of the error; none: it binds
		notWant  []string // fragments the error must not have
	}{
		{name: "openapi.yaml binds", api: agentAPI, handlers: agentHandlers(),
			doc: func(t *testing.T) *openapi3.T { return loadedDoc(t, jtb.LoadAgentAPI) }},
		{name: "control-api.yaml binds", api: controlAPI, handlers: controlHandlers(),
			doc: func(t *testing.T) *openapi3.T { return loadedDoc(t, jtb.LoadControlAPI) }},
		{name: "a scratch openapi.yaml with an operation the mock lacks", api: agentAPI, handlers: agentHandlers(),
			doc: func(t *testing.T) *openapi3.T {
				return scratchAgentAPI(t, func(s string) string {
					return strings.Replace(s, "\npaths:\n", "\npaths:\n"+withdrawOperation, 1)
				})
			},
			want: []string{"openapi.yaml: POST /v1/tasks/{taskId}/withdraw (operationId withdrawBid) has no handler"}},
		{name: "a handler whose operation the document dropped", api: agentAPI, handlers: agentHandlers(),
			doc: func(t *testing.T) *openapi3.T {
				doc := loadedDoc(t, jtb.LoadAgentAPI)
				doc.Paths.Delete("/v1/tasks/{taskId}/traces")
				return doc
			},
			want: []string{"handler for operationId listTraces, which names no operation"}},
		{name: "an operation without an operationId", api: agentAPI, handlers: agentHandlers(),
			doc: func(t *testing.T) *openapi3.T {
				doc := loadedDoc(t, jtb.LoadAgentAPI)
				doc.Paths.Value("/v1/tasks/{taskId}/progress").Post.OperationID = ""
				return doc
			},
			want: []string{"POST /v1/tasks/{taskId}/progress has no operationId", "operationId postProgress, which names no operation"}},
		{name: "a parameter inside a segment", api: agentAPI, handlers: agentHandlers(),
			doc: func(t *testing.T) *openapi3.T {
				doc := loadedDoc(t, jtb.LoadAgentAPI)
				item := doc.Paths.Value("/v1/tasks/{taskId}/traces")
				doc.Paths.Delete("/v1/tasks/{taskId}/traces")
				doc.Paths.Set("/v1/tasks/{taskId}/traces.{format}", item)
				return doc
			},
			want:    []string{"GET /v1/tasks/{taskId}/traces.{format}: only whole path segments"},
			notWant: []string{"listTraces, which names no operation"}},
		{name: "one API's handlers on the other's document", api: controlAPI, handlers: agentHandlers(),
			doc: func(t *testing.T) *openapi3.T { return loadedDoc(t, jtb.LoadControlAPI) },
			want: []string{"control-api.yaml: GET /_control/clock (operationId getClock) has no handler",
				"control-api.yaml: the mock has a handler for operationId createBid, which names no operation"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := tc.doc(t)
			ops, err := bindOperations(doc, tc.api, tc.handlers)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if n := countOperations(doc); len(ops) != n || n != len(tc.handlers) {
					t.Fatalf("%d operations bound of %d documented, %d handlers", len(ops), n, len(tc.handlers))
				}
				return
			}
			if err == nil {
				t.Fatalf("bound %d operations, want an error", len(ops))
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(err.Error(), w) {
					t.Errorf("error has %q:\n%v", w, err)
				}
			}
		})
	}
}

func countOperations(doc *openapi3.T) int {
	n := 0
	for _, item := range doc.Paths.Map() {
		n += len(item.Operations())
	}
	return n
}

// TestRoutesFollowTheDocument: every documented operation is reached at its
// documented path, and a literal segment wins over a parameter in the same
// place, whatever order the document lists them in.
func TestRoutesFollowTheDocument(t *testing.T) {
	for _, tc := range []struct {
		load     func() (*openapi3.T, error)
		api      api
		handlers map[string]handler
	}{
		{jtb.LoadAgentAPI, agentAPI, agentHandlers()},
		{jtb.LoadControlAPI, controlAPI, controlHandlers()},
	} {
		doc := loadedDoc(t, tc.load)
		ops, err := bindOperations(doc, tc.api, tc.handlers)
		if err != nil {
			t.Fatal(err)
		}
		for path, item := range doc.Paths.Map() {
			concrete := path
			for strings.Contains(concrete, "{") {
				i, j := strings.Index(concrete, "{"), strings.Index(concrete, "}")
				concrete = concrete[:i] + "00000000-0000-4000-8000-000000000001" + concrete[j+1:]
			}
			for method, specOp := range item.Operations() {
				got, _, _ := match(ops, method, concrete)
				if got == nil || got.id != specOp.OperationID || got.api != tc.api {
					t.Errorf("%s %s: routed to %+v, want %s", method, concrete, got, specOp.OperationID)
				}
			}
		}
	}

	doc := &openapi3.T{OpenAPI: "3.0.3", Info: &openapi3.Info{Title: "t", Version: "1"}, Paths: openapi3.NewPaths()}
	get := func(id string) *openapi3.PathItem {
		return &openapi3.PathItem{Get: &openapi3.Operation{OperationID: id, Responses: openapi3.NewResponses()}}
	}
	doc.Paths.Set("/v1/tasks/{taskId}", get("getOne"))
	doc.Paths.Set("/v1/tasks/available", get("listAvailable"))
	doc.Paths.Set("/v1/tasks/{taskId}/bids", &openapi3.PathItem{Post: &openapi3.Operation{OperationID: "bid", Responses: openapi3.NewResponses()}})
	ops, err := bindOperations(doc, agentAPI, map[string]handler{"getOne": {}, "listAvailable": {}, "bid": {}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ method, path, id, allow string }{
		{http.MethodGet, "/v1/tasks/available", "listAvailable", ""},
		{http.MethodGet, "/v1/tasks/0f2c", "getOne", ""},
		{http.MethodGet, "/v1/tasks/available/bids", "", "POST"},
		{http.MethodPost, "/v1/tasks/available", "", "GET"},
		{http.MethodGet, "/v1/tasks//bids", "", ""},
	} {
		got, _, allow := match(ops, tc.method, tc.path)
		id := ""
		if got != nil {
			id = got.id
		}
		if id != tc.id || allow != tc.allow {
			t.Errorf("%s %s: routed to %q (allow %q), want %q (allow %q)", tc.method, tc.path, id, allow, tc.id, tc.allow)
		}
	}
}
