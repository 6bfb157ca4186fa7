package suites

import (
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/routers"
	"github.com/jobtobot/jtb"
)

// answer is a canned answer to one request, for validate.
type answer struct {
	name   string
	req    Request
	status int
	header map[string]string
	body   string
}

func (a answer) exchange() *Exchange {
	h := http.Header{"Content-Type": {"application/json"}}
	for k, v := range a.header {
		h.Set(k, v)
	}
	return &Exchange{Method: a.req.Method, Path: a.req.Path, Status: a.status, Header: h, Body: []byte(a.body)}
}

const (
	lowerID = "550e8400-e29b-41d4-a716-446655440000"
	upperID = "550E8400-E29B-41D4-A716-446655440000"
)

func listing(id, price string) string {
	return `{"ok":true,"data":{"items":[{"id":"` + id + `","title":"t","description":"d","category":"c","status":"open","band":"standard","price":` + price + `,"createdAt":"2026-02-20T10:30:00Z"}],"pagination":{"next_cursor":null,"has_more":false,"total_estimate":1}}}`
}

var (
	traces  = Request{Method: http.MethodGet, Path: taskPath(unknownTask, "traces")}
	listReq = Request{Method: http.MethodGet, Path: "/v1/tasks/available?limit=5"}
	bidReq  = Request{Method: http.MethodPost, Path: taskPath(unknownTask, "bids")}
	dlvReq  = Request{Method: http.MethodPost, Path: taskPath(unknownTask, "deliver")}
)

// Answers that depart only from parts of openapi.yaml marked x-jtb-inferred.
var inferredOnly = []answer{
	{"an error code outside the enum", traces, 404, nil, `{"ok":false,"error":{"code":"not_found","message":"no such task"}}`},
	{"an upper-case UUID", listReq, 200, nil, listing(upperID, `"15.00"`)},
	{"a bid of another shape", bidReq, 201, nil, `{"ok":true,"data":{"bidId":42}}`},
	{"another verdict name", dlvReq, 200, nil, `{"ok":true,"data":{"id":"` + lowerID + `","taskId":"` + lowerID + `","attempt":1,"status":"delivered","pdqg":{"score":0.9,"verdict":"PASSED"},"submittedAt":"2026-03-01T12:00:00Z"}}`},
	{"a 401 without WWW-Authenticate", listReq, 401, nil, `{"ok":false,"error":{"code":"UNAUTHORIZED","message":"no key"}}`},
	{"a replay header of another value", bidReq, 201, map[string]string{"Idempotent-Replayed": "yes"}, `{"ok":true,"data":{"id":"` + lowerID + `"}}`},
	{"a new bid answered 200, not 201", bidReq, 200, nil, `{"ok":true,"data":{"id":"` + lowerID + `"}}`},
	{"a last page with a cursor", listReq, 200, nil, strings.Replace(listing(lowerID, `"15.00"`), `"next_cursor":null`, `"next_cursor":"abc"`, 1)},
	{"a negative total_estimate", listReq, 200, nil, strings.Replace(listing(lowerID, `"15.00"`), `"total_estimate":1`, `"total_estimate":-1`, 1)},
}

// Answers that break what the seed states: both copies refuse them.
var seedBroken = []answer{
	{"a price as a number", listReq, 200, nil, listing(lowerID, `15`)},
	{"an error without ok", traces, 404, nil, `{"error":{"code":"NOT_FOUND","message":"no such task"}}`},
	{"an error without message", traces, 404, nil, `{"ok":false,"error":{"code":"NOT_FOUND"}}`},
	{"a success without data", bidReq, 201, nil, `{"ok":true}`},
	{"a listing item without a title", listReq, 200, nil, strings.Replace(listing(lowerID, `"15.00"`), `"title":"t",`, "", 1)},
	{"a listing with ok false", listReq, 200, nil, strings.Replace(listing(lowerID, `"15.00"`), `"ok":true`, `"ok":false`, 1)},
	{"a new bid answered 200 without data", bidReq, 200, nil, `{"ok":true}`},
	{"a page without has_more", listReq, 200, nil, strings.Replace(listing(lowerID, `"15.00"`), `"has_more":false,`, "", 1)},
	{"a page with total_estimate as a string", listReq, 200, nil, strings.Replace(listing(lowerID, `"15.00"`), `"total_estimate":1`, `"total_estimate":"1"`, 1)},
	{"a new bid answered 302", bidReq, 302, nil, `{"ok":true,"data":{"id":"` + lowerID + `"}}`},
}

func TestRelaxedDocumentAcceptsOnlyInferredDepartures(t *testing.T) {
	strict, _, err := jtb.NewAgentRouter()
	if err != nil {
		t.Fatal(err)
	}
	relaxed, n, err := NewRelaxedAgentRouter()
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Errorf("relaxed %d inferred parts, want every one of them (more than 10)", n)
	}
	c := &Client{}
	for _, a := range inferredOnly {
		x := a.exchange()
		if _, err := c.validate(strict, a.req, x); err == nil {
			t.Errorf("%s: the strict document accepts it", a.name)
		}
		if _, err := c.validate(relaxed, a.req, x); err != nil {
			t.Errorf("%s: the relaxed document refuses it: %v", a.name, err)
		}
	}
	for _, a := range seedBroken {
		x := a.exchange()
		if _, err := c.validate(strict, a.req, x); err == nil {
			t.Errorf("%s: the strict document accepts it", a.name)
		}
		if _, err := c.validate(relaxed, a.req, x); err == nil {
			t.Errorf("%s: the relaxed document accepts it", a.name)
		}
	}
	// A conforming answer passes both.
	ok := answer{"conforming", listReq, 200, nil, listing(lowerID, `"15.00"`)}
	for name, router := range map[string]routers.Router{"strict": strict, "relaxed": relaxed} {
		if _, err := c.validate(router, ok.req, ok.exchange()); err != nil {
			t.Errorf("%s refuses a conforming answer: %v", name, err)
		}
	}
}

// Relaxing one copy leaves every other copy, and the router built on it
// before, strict; a shared $ref target is relaxed for all its referrers.
func TestRelaxingLeavesTheStrictDocumentAlone(t *testing.T) {
	strictRouter, strictDoc, err := jtb.NewAgentRouter()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jtb.LoadAgentAPI()
	if err != nil {
		t.Fatal(err)
	}
	if RelaxInferred(doc) == 0 {
		t.Fatal("nothing relaxed")
	}
	// The relaxed copy: the ErrorCode component and the Error.code reference to it.
	if enum := doc.Components.Schemas["ErrorCode"].Value.Enum; len(enum) != 0 {
		t.Errorf("relaxed ErrorCode keeps its enum %v", enum)
	}
	if enum := doc.Components.Schemas["Error"].Value.Properties["code"].Value.Enum; len(enum) != 0 {
		t.Errorf("relaxed Error.code (a $ref to ErrorCode) keeps its enum %v", enum)
	}
	if got := doc.Components.Schemas["Task"].Value.Properties["price"].Value.Pattern; got == "" {
		t.Error("relaxing dropped the seed's price pattern")
	}
	if req := doc.Components.Schemas["ErrorEnvelope"].Value.Required; len(req) != 2 {
		t.Errorf("relaxing changed the seed's error envelope: required %v", req)
	}
	// The strict copy.
	if enum := strictDoc.Components.Schemas["ErrorCode"].Value.Enum; len(enum) != 10 {
		t.Errorf("strict ErrorCode enum has %d codes after relaxing another copy, want 10", len(enum))
	}
	if enum := strictDoc.Components.Schemas["Error"].Value.Properties["code"].Value.Enum; len(enum) != 10 {
		t.Errorf("strict Error.code enum has %d codes after relaxing another copy, want 10", len(enum))
	}
	if !strictDoc.Components.Headers["WWWAuthenticate"].Value.Required {
		t.Error("strict WWW-Authenticate is no longer required")
	}
	if _, _, err := NewRelaxedAgentRouter(); err != nil {
		t.Fatal(err)
	}
	c := &Client{}
	for _, a := range inferredOnly {
		if _, err := c.validate(strictRouter, a.req, a.exchange()); err == nil {
			t.Errorf("%s: the strict router accepts it after a relaxed copy was built", a.name)
		}
	}
}
