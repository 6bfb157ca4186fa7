package jtb

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"go.yaml.in/yaml/v3"
)

// docCheck inspects a loaded document and returns one line per problem.
type docCheck func(doc *openapi3.T) []string

// checksFor lists the checks each shipped document must pass.
func checksFor(name string) map[string]docCheck {
	checks := map[string]docCheck{
		"operation docs":         checkOperationDocs,
		"response examples":      checkResponseExamples,
		"examples match schemas": checkExamplesValid,
		"401 documented":         check401Documented,
	}
	if name == "openapi.yaml" {
		checks["agent POSTs"] = checkAgentPOSTs
	}
	return checks
}

func TestShippedDocumentsPassEveryCheck(t *testing.T) {
	docs := []struct {
		name string
		load func() (*openapi3.T, error)
	}{
		{"openapi.yaml", LoadAgentAPI},
		{"control-api.yaml", LoadControlAPI},
	}
	for _, d := range docs {
		doc, err := d.load()
		if err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		if len(doc.Servers) != 0 {
			t.Errorf("%s: servers = %v, want none (routers must match any host)", d.name, doc.Servers)
		}
		checks := checksFor(d.name)
		for _, name := range slices.Sorted(maps.Keys(checks)) {
			t.Run(d.name+"/"+name, func(t *testing.T) {
				for _, problem := range checks[name](doc) {
					t.Error(problem)
				}
			})
		}
	}
}

func TestLoadersReturnFreshDocuments(t *testing.T) {
	first, err := LoadAgentAPI()
	if err != nil {
		t.Fatal(err)
	}
	first.Paths.Delete("/v1/tasks/available")
	second, err := LoadAgentAPI()
	if err != nil {
		t.Fatal(err)
	}
	if second.Paths.Value("/v1/tasks/available") == nil {
		t.Fatal("a change to one loaded document leaked into the next")
	}
}

// TestChecksRejectBrokenDocuments proves each check can fail: every entry is
// the valid base document with one thing broken, and the named check must
// report it while the base document passes.
func TestChecksRejectBrokenDocuments(t *testing.T) {
	for name, check := range checksFor("openapi.yaml") {
		if problems := check(mustLoadUnvalidated(t, baseDoc)); len(problems) != 0 {
			t.Fatalf("base document fails %q: %v", name, problems)
		}
	}
	tests := []struct {
		name  string
		check docCheck
		old   string // text of baseDoc to replace
		new   string
		want  string // substring of one reported problem
	}{
		{"no operationId", checkOperationDocs, "operationId: listThings", "x-note: none", "operationId"},
		{"no summary", checkOperationDocs, "summary: List things", "x-note: none", "summary"},
		{"no description", checkOperationDocs, "description: Lists things.", "x-note: none", "description"},
		{"no tags", checkOperationDocs, "tags: [Things]\n      responses:\n        '200':\n          description: Things.",
			"responses:\n        '200':\n          description: Things.", "tags"},
		{"default response", checkOperationDocs, "        '401':\n          $ref: '#/components/responses/Unauthorized'\n  /things/{id}",
			"        '401':\n          $ref: '#/components/responses/Unauthorized'\n        default:\n          $ref: '#/components/responses/Unauthorized'\n  /things/{id}", "default"},
		{"response without example", checkResponseExamples, "              example: {ok: true, data: []}\n", "", "no example"},
		{"response without content", checkResponseExamples, "          description: Created.\n", "          description: Created.\n        '204':\n          description: Nothing.\n", "no content"},
		{"example breaks schema", checkExamplesValid, "example: {ok: true, data: []}", "example: {ok: true, data: 3}", "example"},
		{"named example breaks schema", checkExamplesValid, "value: {ok: true, data: {name: a}}", "value: {ok: true, data: {}}", "created"},
		{"request example breaks schema", checkExamplesValid, "value: {name: a}", "value: {name: 7}", "request"},
		{"no 401", check401Documented, "        '401':\n          $ref: '#/components/responses/Unauthorized'\n  /things/{id}", "  /things/{id}", "401"},
		{"no Idempotency-Key", checkAgentPOSTs, "        - $ref: '#/components/parameters/IdempotencyKey'\n", "", "Idempotency-Key"},
		{"no Idempotent-Replayed", checkAgentPOSTs, "          headers:\n            Idempotent-Replayed:\n              $ref: '#/components/headers/IdempotentReplayed'\n", "", "Idempotent-Replayed"},
		{"no 413", checkAgentPOSTs, "        '413':\n          $ref: '#/components/responses/TooLarge'\n", "", "413"},
		{"no 422", checkAgentPOSTs, "        '422':\n          $ref: '#/components/responses/Reused'\n", "", "422"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(baseDoc, tt.old) {
				t.Fatalf("base document lacks %q", tt.old)
			}
			broken := strings.Replace(baseDoc, tt.old, tt.new, 1)
			problems := tt.check(mustLoadUnvalidated(t, broken))
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Errorf("problems = %q, want one mentioning %q", problems, tt.want)
			}
		})
	}
}

func TestErrorCodesMatchDecisions(t *testing.T) {
	statusByCode := decisionCodes(t)
	want := slices.Sorted(maps.Keys(statusByCode))
	for _, d := range []struct {
		name string
		load func() (*openapi3.T, error)
		code func(doc *openapi3.T) *openapi3.Schema // the error code's schema
	}{
		{"openapi.yaml", LoadAgentAPI, func(doc *openapi3.T) *openapi3.Schema {
			return doc.Components.Schemas["ErrorCode"].Value
		}},
		{"control-api.yaml", LoadControlAPI, func(doc *openapi3.T) *openapi3.Schema {
			return doc.Components.Schemas["ErrorEnvelope"].Value.Properties["error"].Value.Properties["code"].Value
		}},
	} {
		doc, err := d.load()
		if err != nil {
			t.Fatal(err)
		}
		var enum []string
		for _, v := range d.code(doc).Enum {
			enum = append(enum, v.(string))
		}
		if got := slices.Sorted(slices.Values(enum)); !slices.Equal(got, want) {
			t.Errorf("%s: error code enum = %v, DECISIONS.md table = %v", d.name, got, want)
		}
		for _, problem := range checkErrorExampleStatus(doc, statusByCode) {
			t.Errorf("%s: %s", d.name, problem)
		}
	}
}

func TestErrorExampleStatusCheckCanFail(t *testing.T) {
	statusByCode := map[string]int{"UNAUTHORIZED": 401, "PAYLOAD_TOO_LARGE": 413, "IDEMPOTENCY_KEY_REUSED": 422}
	doc := mustLoadUnvalidated(t, baseDoc)
	if problems := checkErrorExampleStatus(doc, statusByCode); len(problems) != 0 {
		t.Fatalf("base document: %v", problems)
	}
	statusByCode["UNAUTHORIZED"] = 403
	if problems := checkErrorExampleStatus(doc, statusByCode); len(problems) == 0 {
		t.Fatal("a 401 example with a code of another status was not reported")
	}
}

// TestInferredPartsSayWhy holds every x-jtb-inferred node to a description,
// which is where the reason for the inference is written.
func TestInferredPartsSayWhy(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"openapi.yaml", agentAPISpec},
		{"control-api.yaml", controlAPISpec},
	} {
		problems, count := inferredWithoutDescription(t, tt.data)
		for _, p := range problems {
			t.Errorf("%s: %s", tt.name, p)
		}
		if count == 0 {
			t.Errorf("%s: no x-jtb-inferred node at all", tt.name)
		}
	}
	broken := []byte("a:\n  x-jtb-inferred: true\nb:\n  x-jtb-inferred: true\n  description: Inferred because.\n")
	problems, count := inferredWithoutDescription(t, broken)
	if count != 2 || len(problems) != 1 || !strings.HasPrefix(problems[0], "/0/a: ") {
		t.Errorf("broken input: count %d, problems %q; want 2 and one problem at a", count, problems)
	}
}

func TestUUIDFormat(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"550e8400-e29b-41d4-a716-446655440000", true},
		{"550E8400-E29B-41D4-A716-446655440000", false},
		{"550e8400e29b41d4a716446655440000", false},
		{"{550e8400-e29b-41d4-a716-446655440000}", false},
		{"urn:uuid:550e8400-e29b-41d4-a716-446655440000", false},
		{"not-a-uuid", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := validateUUID(tt.in) == nil; got != tt.want {
			t.Errorf("validateUUID(%q) ok = %v, want %v", tt.in, got, tt.want)
		}
	}
	RegisterFormats()
	RegisterFormats() // twice is harmless
	doc, err := LoadAgentAPI()
	if err != nil {
		t.Fatal(err)
	}
	schema := doc.Components.Schemas["Uuid"].Value
	if err := schema.VisitJSON("550E8400-E29B-41D4-A716-446655440000"); err == nil {
		t.Error("the Uuid schema accepted an upper-case UUID")
	}
}

func TestRoutersMatchAnyHostAndPlainTaskIDs(t *testing.T) {
	agent, _, err := NewAgentRouter()
	if err != nil {
		t.Fatal(err)
	}
	control, _, err := NewControlRouter()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, url string
		control     bool
		wantOp      string // "" means no route
	}{
		{http.MethodGet, "http://127.0.0.1:4010/v1/tasks/available?limit=5", false, "listAvailableTasks"},
		{http.MethodPost, "http://staging.example/v1/tasks/550e8400-e29b-41d4-a716-446655440000/bids", false, "createBid"},
		{http.MethodPost, "http://127.0.0.1/v1/tasks/not-a-uuid/deliver", false, "deliverTask"},
		{http.MethodPost, "http://127.0.0.1/v1/tasks/x/progress", false, "postProgress"},
		{http.MethodGet, "http://127.0.0.1/v1/tasks/x/traces", false, "listTraces"},
		{http.MethodPost, "http://127.0.0.1/v1/tasks/x/resubmit", false, "resubmitDelivery"},
		{http.MethodGet, "http://127.0.0.1/v1/tasks/x/bids", false, ""},
		{http.MethodGet, "http://127.0.0.1/v1/nowhere", false, ""},
		{http.MethodPost, "http://127.0.0.1/_control/tasks/x/bids/y/accept", true, "acceptBid"},
		{http.MethodGet, "http://127.0.0.1/_control/clock", true, "getClock"},
	}
	for _, tt := range tests {
		router := agent
		if tt.control {
			router = control
		}
		req, err := http.NewRequest(tt.method, tt.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		route, _, err := router.FindRoute(req)
		got := ""
		if err == nil {
			got = route.Operation.OperationID
		}
		if got != tt.wantOp {
			t.Errorf("%s %s: operation %q (err %v), want %q", tt.method, tt.url, got, err, tt.wantOp)
		}
	}
}

func TestCatalogueIsEmbedded(t *testing.T) {
	onDisk, err := os.ReadFile("catalogue.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(onDisk) != string(CatalogueSpec) {
		t.Error("CatalogueSpec differs from catalogue.yaml")
	}
}

// checkOperationDocs wants every operation named, summarised, described and
// tagged, and no `default` response: the suites validate with
// IncludeResponseStatus, so every status must be listed on its own.
func checkOperationDocs(doc *openapi3.T) []string {
	var problems []string
	forEachOperation(doc, func(where string, op *openapi3.Operation) {
		for field, value := range map[string]string{
			"operationId": op.OperationID, "summary": op.Summary, "description": op.Description,
		} {
			if strings.TrimSpace(value) == "" {
				problems = append(problems, fmt.Sprintf("%s: no %s", where, field))
			}
		}
		if len(op.Tags) == 0 {
			problems = append(problems, where+": no tags")
		}
		if op.Responses != nil && op.Responses.Default() != nil {
			problems = append(problems, where+": has a default response")
		}
	})
	return problems
}

// checkResponseExamples wants at least one example in every response.
func checkResponseExamples(doc *openapi3.T) []string {
	var problems []string
	forEachOperation(doc, func(where string, op *openapi3.Operation) {
		for status, ref := range op.Responses.Map() {
			resp := ref.Value
			if len(resp.Content) == 0 {
				problems = append(problems, fmt.Sprintf("%s %s: no content", where, status))
				continue
			}
			for mediaType, media := range resp.Content {
				if media.Example == nil && len(media.Examples) == 0 {
					problems = append(problems, fmt.Sprintf("%s %s %s: no example", where, status, mediaType))
				}
			}
		}
	})
	return problems
}

// checkExamplesValid validates every request and response example against
// its schema, with the document's formats (uuid) registered.
func checkExamplesValid(doc *openapi3.T) []string {
	RegisterFormats()
	var problems []string
	checkMedia := func(where string, content openapi3.Content) {
		for mediaType, media := range content {
			if media.Schema == nil {
				problems = append(problems, fmt.Sprintf("%s %s: no schema", where, mediaType))
				continue
			}
			if media.Example != nil {
				if err := doc.ValidateSchemaJSON(media.Schema.Value, media.Example); err != nil {
					problems = append(problems, fmt.Sprintf("%s %s example: %v", where, mediaType, err))
				}
			}
			for name, ex := range media.Examples {
				if err := doc.ValidateSchemaJSON(media.Schema.Value, ex.Value.Value); err != nil {
					problems = append(problems, fmt.Sprintf("%s %s example %q: %v", where, mediaType, name, err))
				}
			}
		}
	}
	forEachOperation(doc, func(where string, op *openapi3.Operation) {
		if op.RequestBody != nil {
			checkMedia(where+" request", op.RequestBody.Value.Content)
		}
		for status, ref := range op.Responses.Map() {
			checkMedia(where+" "+status, ref.Value.Content)
		}
	})
	return problems
}

// check401Documented wants 401 on every operation: both APIs take a bearer
// token and answer 401 to a missing or wrong one.
func check401Documented(doc *openapi3.T) []string {
	var problems []string
	forEachOperation(doc, func(where string, op *openapi3.Operation) {
		if op.Responses.Status(http.StatusUnauthorized) == nil {
			problems = append(problems, where+": no 401 response")
		}
	})
	return problems
}

// checkAgentPOSTs wants every POST of the Agent API to take Idempotency-Key,
// to declare Idempotent-Replayed on its 2xx, and to document 413 and 422.
func checkAgentPOSTs(doc *openapi3.T) []string {
	var problems []string
	for path, item := range doc.Paths.Map() {
		op := item.Post
		if op == nil {
			continue
		}
		where := "POST " + path
		params := append(slices.Clone(item.Parameters), op.Parameters...)
		if !slices.ContainsFunc(params, func(p *openapi3.ParameterRef) bool {
			return p.Value.In == openapi3.ParameterInHeader && http.CanonicalHeaderKey(p.Value.Name) == "Idempotency-Key"
		}) {
			problems = append(problems, where+": no Idempotency-Key header parameter")
		}
		successes := 0
		for status, ref := range op.Responses.Map() {
			if !strings.HasPrefix(status, "2") {
				continue
			}
			successes++
			if ref.Value.Headers["Idempotent-Replayed"] == nil {
				problems = append(problems, fmt.Sprintf("%s %s: no Idempotent-Replayed header", where, status))
			}
		}
		if successes == 0 {
			problems = append(problems, where+": no 2xx response")
		}
		for _, status := range []int{http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity} {
			if op.Responses.Status(status) == nil {
				problems = append(problems, fmt.Sprintf("%s: no %d response", where, status))
			}
		}
	}
	return problems
}

// checkErrorExampleStatus wants every error example's code to belong to the
// status it is documented under, per the DECISIONS.md table.
func checkErrorExampleStatus(doc *openapi3.T, statusByCode map[string]int) []string {
	var problems []string
	forEachOperation(doc, func(where string, op *openapi3.Operation) {
		for status, ref := range op.Responses.Map() {
			for _, media := range ref.Value.Content {
				values := []any{media.Example}
				for _, ex := range media.Examples {
					values = append(values, ex.Value.Value)
				}
				for _, v := range values {
					code, ok := errorCode(v)
					if !ok {
						continue
					}
					if want, known := statusByCode[code]; !known || strconv.Itoa(want) != status {
						problems = append(problems, fmt.Sprintf("%s %s: example code %s belongs to %d", where, status, code, want))
					}
				}
			}
		}
	})
	return problems
}

func errorCode(v any) (string, bool) {
	body, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	e, ok := body["error"].(map[string]any)
	if !ok {
		return "", false
	}
	code, ok := e["code"].(string)
	return code, ok
}

// decisionCodes reads the code/status table of docs/DECISIONS.md, the
// contract's single source for error codes.
func decisionCodes(t *testing.T) map[string]int {
	t.Helper()
	data, err := os.ReadFile("docs/DECISIONS.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^ *\\| `([A-Z_]+)` \\| ([0-9]{3}) \\|")
	codes := map[string]int{}
	for _, m := range row.FindAllStringSubmatch(string(data), -1) {
		status, _ := strconv.Atoi(m[2])
		codes[m[1]] = status
	}
	if len(codes) == 0 {
		t.Fatal("no error code table found in docs/DECISIONS.md")
	}
	return codes
}

// inferredWithoutDescription walks a YAML document and returns the paths of
// x-jtb-inferred nodes that lack a description, and how many it saw.
func inferredWithoutDescription(t *testing.T, data []byte) (problems []string, count int) {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s/%d", path, i))
			}
		case yaml.MappingNode:
			inferred, described := false, false
			for i := 0; i+1 < len(n.Content); i += 2 {
				key, value := n.Content[i].Value, n.Content[i+1]
				switch key {
				case "x-jtb-inferred":
					inferred = value.Value == "true"
				case "description":
					described = strings.TrimSpace(value.Value) != ""
				}
				walk(value, path+"/"+key)
			}
			if inferred {
				count++
				if !described {
					problems = append(problems, path+": x-jtb-inferred without a description saying why")
				}
			}
		}
	}
	walk(&root, "")
	return problems, count
}

func forEachOperation(doc *openapi3.T, fn func(where string, op *openapi3.Operation)) {
	paths := doc.Paths.Map()
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		ops := paths[path].Operations()
		methods := slices.Collect(maps.Keys(ops))
		sort.Strings(methods)
		for _, method := range methods {
			fn(method+" "+path, ops[method])
		}
	}
}

// mustLoadUnvalidated parses a document without validating it, so the checks
// can be shown broken documents that kin-openapi itself might refuse.
func mustLoadUnvalidated(t *testing.T, data string) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(data))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return doc
}

// baseDoc is a small document that passes every check; the broken-document
// table edits one line of it at a time.
const baseDoc = `openapi: 3.0.3
info: {title: things, version: '1'}
paths:
  /things:
    get:
      operationId: listThings
      summary: List things
      description: Lists things.
      tags: [Things]
      responses:
        '200':
          description: Things.
          content:
            application/json:
              schema:
                type: object
                required: [ok, data]
                properties:
                  ok: {type: boolean}
                  data: {type: array}
              example: {ok: true, data: []}
        '401':
          $ref: '#/components/responses/Unauthorized'
  /things/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    post:
      operationId: createThing
      summary: Create a thing
      description: Creates a thing.
      tags: [Things]
      parameters:
        - $ref: '#/components/parameters/IdempotencyKey'
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                name: {type: string}
            examples:
              request:
                value: {name: a}
      responses:
        '201':
          description: Created.
          headers:
            Idempotent-Replayed:
              $ref: '#/components/headers/IdempotentReplayed'
          content:
            application/json:
              schema:
                type: object
                required: [ok, data]
                properties:
                  ok: {type: boolean}
                  data:
                    type: object
                    required: [name]
              examples:
                created:
                  value: {ok: true, data: {name: a}}
        '401':
          $ref: '#/components/responses/Unauthorized'
        '413':
          $ref: '#/components/responses/TooLarge'
        '422':
          $ref: '#/components/responses/Reused'
components:
  parameters:
    IdempotencyKey:
      {name: Idempotency-Key, in: header, schema: {type: string}}
  headers:
    IdempotentReplayed:
      schema: {type: string}
  responses:
    Unauthorized:
      description: Unauthorized.
      content:
        application/json:
          schema: {type: object}
          example: {ok: false, error: {code: UNAUTHORIZED, message: no}}
    TooLarge:
      description: Too large.
      content:
        application/json:
          schema: {type: object}
          example: {ok: false, error: {code: PAYLOAD_TOO_LARGE, message: no}}
    Reused:
      description: Key reused.
      content:
        application/json:
          schema: {type: object}
          example: {ok: false, error: {code: IDEMPOTENCY_KEY_REUSED, message: no}}
`

// TestContractCatchesBrokenAnswers runs answers through kin-openapi response
// validation the way the suites do (IncludeResponseStatus): well-formed
// answers pass, and answers shaped like the mock's defects (docs/DEFECTS.md)
// are refused by the schema alone.
func TestContractCatchesBrokenAnswers(t *testing.T) {
	router, _, err := NewAgentRouter()
	if err != nil {
		t.Fatal(err)
	}
	const task = "/v1/tasks/550e8400-e29b-41d4-a716-446655440000"
	const ids = `"id":"0e4b8a3c-1f2d-4a5b-8c6d-7e8f9a0b1c2d","taskId":"550e8400-e29b-41d4-a716-446655440000"`
	const item = `{"id":"550e8400-e29b-41d4-a716-446655440000","title":"t","description":"d","category":"coding","status":"open","band":"basic","price":"15.00","createdAt":"2026-02-20T10:30:00.000Z"}`
	const challenge = `Bearer realm="jobtobot"`
	tests := []struct {
		name      string
		method    string
		path      string
		status    int
		challenge string // WWW-Authenticate value, if any
		body      string
		wantValid bool
	}{
		{"page", "GET", "/v1/tasks/available", 200, "",
			`{"ok":true,"data":{"items":[` + item + `],"pagination":{"next_cursor":"abc","has_more":true,"total_estimate":1}}}`, true},
		{"last page", "GET", "/v1/tasks/available", 200, "",
			`{"ok":true,"data":{"items":[],"pagination":{"next_cursor":null,"has_more":false,"total_estimate":0}}}`, true},
		{"pag-next-cursor-on-last-page", "GET", "/v1/tasks/available", 200, "",
			`{"ok":true,"data":{"items":[],"pagination":{"next_cursor":"abc","has_more":false,"total_estimate":0}}}`, false},
		{"price-as-number", "GET", "/v1/tasks/available", 200, "",
			`{"ok":true,"data":{"items":[` + strings.Replace(item, `"15.00"`, `15`, 1) + `],"pagination":{"next_cursor":null,"has_more":false,"total_estimate":1}}}`, false},
		{"pag-lists-claimed", "GET", "/v1/tasks/available", 200, "",
			`{"ok":true,"data":{"items":[` + strings.Replace(item, `"open"`, `"claimed"`, 1) + `],"pagination":{"next_cursor":null,"has_more":false,"total_estimate":1}}}`, false},
		{"upper-case id", "GET", "/v1/tasks/available", 200, "",
			`{"ok":true,"data":{"items":[` + strings.Replace(item, "550e8400-e29b", "550E8400-E29B", 1) + `],"pagination":{"next_cursor":null,"has_more":false,"total_estimate":1}}}`, false},
		{"401", "GET", "/v1/tasks/available", 401, challenge,
			`{"ok":false,"error":{"code":"UNAUTHORIZED","message":"no"}}`, true},
		{"auth-no-www-authenticate", "GET", "/v1/tasks/available", 401, "",
			`{"ok":false,"error":{"code":"UNAUTHORIZED","message":"no"}}`, false},
		{"envelope-no-ok", "GET", "/v1/tasks/available", 401, challenge,
			`{"error":{"code":"UNAUTHORIZED","message":"no"}}`, false},
		{"error-code-lowercase", "POST", task + "/bids", 409, "",
			`{"ok":false,"error":{"code":"conflict","message":"no"}}`, false},
		{"bid 201", "POST", task + "/bids", 201, "",
			`{"ok":true,"data":{"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","taskId":"550e8400-e29b-41d4-a716-446655440000","agentId":"9b2f4c1e-3d5a-4e6f-8a7b-0c1d2e3f4a5b","proposedPrice":12.5,"coverLetter":"c","status":"pending","createdAt":"2026-03-01T12:00:00.000Z"}}`, true},
		{"bid-returns-200", "POST", task + "/bids", 200, "",
			`{"ok":true,"data":{"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","taskId":"550e8400-e29b-41d4-a716-446655440000","agentId":"9b2f4c1e-3d5a-4e6f-8a7b-0c1d2e3f4a5b","proposedPrice":12.5,"coverLetter":"c","status":"pending","createdAt":"2026-03-01T12:00:00.000Z"}}`, false},
		{"405 is not an operation", "PUT", task + "/bids", 405, "",
			`{"ok":false,"error":{"code":"METHOD_NOT_ALLOWED","message":"no"}}`, false},
		{"warn at 0.40", "POST", task + "/deliver", 200, "",
			`{"ok":true,"data":{` + ids + `,"attempt":1,"status":"delivered","pdqg":{"score":0.4,"verdict":"warn"},"submittedAt":"2026-03-01T12:00:00.000Z"}}`, true},
		{"pdqg-040-rejected", "POST", task + "/deliver", 200, "",
			`{"ok":true,"data":{` + ids + `,"attempt":1,"status":"pdqg_failed","pdqg":{"score":0.4,"verdict":"reject"},"resubmitDeadline":"2026-03-01T18:00:00.000Z","submittedAt":"2026-03-01T12:00:00.000Z"}}`, false},
		{"pdqg-065-pass", "POST", task + "/deliver", 200, "",
			`{"ok":true,"data":{` + ids + `,"attempt":1,"status":"delivered","pdqg":{"score":0.65,"verdict":"pass"},"submittedAt":"2026-03-01T12:00:00.000Z"}}`, false},
		{"rejected with deadline", "POST", task + "/deliver", 200, "",
			`{"ok":true,"data":{` + ids + `,"attempt":1,"status":"pdqg_failed","pdqg":{"score":0.2,"verdict":"reject"},"resubmitDeadline":"2026-03-01T18:00:00.000Z","submittedAt":"2026-03-01T12:00:00.000Z"}}`, true},
		{"resubmit-no-deadline-field", "POST", task + "/deliver", 200, "",
			`{"ok":true,"data":{` + ids + `,"attempt":1,"status":"pdqg_failed","pdqg":{"score":0.2,"verdict":"reject"},"submittedAt":"2026-03-01T12:00:00.000Z"}}`, false},
		{"final fail", "POST", task + "/resubmit", 200, "",
			`{"ok":true,"data":{` + ids + `,"attempt":2,"status":"pdqg_final_fail","pdqg":{"score":0.2,"verdict":"reject"},"submittedAt":"2026-03-01T12:00:00.000Z"}}`, true},
		{"resubmit-fail-stays-failed", "POST", task + "/resubmit", 200, "",
			`{"ok":true,"data":{` + ids + `,"attempt":2,"status":"pdqg_failed","pdqg":{"score":0.2,"verdict":"reject"},"resubmitDeadline":"2026-03-01T18:00:00.000Z","submittedAt":"2026-03-01T12:00:00.000Z"}}`, false},
		{"trace", "POST", task + "/progress", 201, "",
			`{"ok":true,"data":{"id":"3f1c2b7a-8d4e-4f5a-9b6c-7d8e9f0a1b2c","event":"e","message":"m","metadata":{"a":[1,{"b":null}]},"visibility":"public","createdAt":"2026-02-20T10:35:00Z"}}`, true},
		{"trace without metadata", "POST", task + "/progress", 201, "",
			`{"ok":true,"data":{"id":"3f1c2b7a-8d4e-4f5a-9b6c-7d8e9f0a1b2c","event":"e","message":"m","visibility":"public","createdAt":"2026-02-20T10:35:00Z"}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateAnswer(t, router, tt.method, tt.path, tt.status, tt.challenge, tt.body)
			if got := err == nil; got != tt.wantValid {
				t.Errorf("valid = %v, want %v (err: %v)", got, tt.wantValid, err)
			}
		})
	}
}

func validateAnswer(t *testing.T, router routers.Router, method, path string, status int, challenge, body string) error {
	t.Helper()
	req, err := http.NewRequest(method, "http://127.0.0.1"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("no route: %w", err)
	}
	header := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	if challenge != "" {
		header.Set("WWW-Authenticate", challenge)
	}
	return openapi3filter.ValidateResponse(t.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(strings.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	})
}

// TestContractRefusesBadRequests checks the request side the mock relies
// on: what DECISIONS.md calls a 400 is refused by the document itself.
func TestContractRefusesBadRequests(t *testing.T) {
	router, _, err := NewAgentRouter()
	if err != nil {
		t.Fatal(err)
	}
	const task = "/v1/tasks/550e8400-e29b-41d4-a716-446655440000"
	tests := []struct {
		name        string
		method, url string
		key         string // Idempotency-Key, if any
		contentType string
		body        string
		wantValid   bool
	}{
		{"default listing", "GET", "/v1/tasks/available", "", "", "", true},
		{"limit 100", "GET", "/v1/tasks/available?limit=100&category=coding", "", "", "", true},
		{"limit 0", "GET", "/v1/tasks/available?limit=0", "", "", "", false},
		{"limit 101", "GET", "/v1/tasks/available?limit=101", "", "", "", false},
		{"limit abc", "GET", "/v1/tasks/available?limit=abc", "", "", "", false},
		{"limit 1.5", "GET", "/v1/tasks/available?limit=1.5", "", "", "", false},
		{"bid", "POST", task + "/bids", "k-1", "application/json", `{"proposedPrice":12.5,"coverLetter":"c","extra":1}`, true},
		{"malformed task id routes", "POST", "/v1/tasks/nope/bids", "", "application/json", `{"proposedPrice":12.5,"coverLetter":"c"}`, true},
		{"bid price 0", "POST", task + "/bids", "", "application/json", `{"proposedPrice":0,"coverLetter":"c"}`, false},
		{"bid price as string", "POST", task + "/bids", "", "application/json", `{"proposedPrice":"12.50","coverLetter":"c"}`, false},
		{"bid price too high", "POST", task + "/bids", "", "application/json", `{"proposedPrice":100000.01,"coverLetter":"c"}`, false},
		{"blank cover letter", "POST", task + "/bids", "", "application/json", `{"proposedPrice":1,"coverLetter":" \n\t"}`, false},
		{"cover letter 5001", "POST", task + "/bids", "", "application/json", `{"proposedPrice":1,"coverLetter":"` + strings.Repeat("é", 5001) + `"}`, false},
		{"cover letter 5000", "POST", task + "/bids", "", "application/json", `{"proposedPrice":1,"coverLetter":"` + strings.Repeat("é", 5000) + `"}`, true},
		{"invalid JSON", "POST", task + "/bids", "", "application/json", `{"proposedPrice":`, false},
		{"wrong content type", "POST", task + "/deliver", "", "text/plain", `content`, false},
		{"deliver", "POST", task + "/deliver", "", "application/json", `{"content":"## Summary"}`, true},
		{"empty content", "POST", task + "/deliver", "", "application/json", `{"content":""}`, false},
		{"blank content", "POST", task + "/resubmit", "", "application/json", `{"content":"   "}`, false},
		{"progress", "POST", task + "/progress", "", "application/json", `{"event":"e","message":"m","metadata":{"a":[1,null,{"b":"c"}]}}`, true},
		{"progress event 101", "POST", task + "/progress", "", "application/json", `{"event":"` + strings.Repeat("e", 101) + `","message":"m"}`, false},
		{"progress metadata not an object", "POST", task + "/progress", "", "application/json", `{"event":"e","message":"m","metadata":[1]}`, false},
		{"key 255", "POST", task + "/deliver", strings.Repeat("k", 255), "application/json", `{"content":"c"}`, true},
		{"key 256", "POST", task + "/deliver", strings.Repeat("k", 256), "application/json", `{"content":"c"}`, false},
		{"key not ASCII", "POST", task + "/deliver", "clé", "application/json", `{"content":"c"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req, err := http.NewRequest(tt.method, "http://127.0.0.1"+tt.url, body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.key != "" {
				req.Header.Set("Idempotency-Key", tt.key)
			}
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("no route: %v", err)
			}
			err = openapi3filter.ValidateRequest(t.Context(), &openapi3filter.RequestValidationInput{
				Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
			})
			if got := err == nil; got != tt.wantValid {
				t.Errorf("valid = %v, want %v (err: %v)", got, tt.wantValid, err)
			}
		})
	}
}
