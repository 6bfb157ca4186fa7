package proxy

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/suites"
)

// opKind is what the model does with an operation's exchanges.
type opKind int

const (
	opList opKind = iota
	opBid
	opDeliver
	opResubmit
	opProgress
	opTraces
	// Control API calls the model learns from; they are forwarded, never
	// validated and never faulted.
	ctlAccept
	ctlReset
	ctlTask
	ctlClock
	ctlAdvance
)

// operation is one route the proxy models. Agent API operations carry the
// routes of the strict document and of its relaxed copy, found once at
// start-up, so a request is routed by a split of its path and nothing more.
type operation struct {
	id      string // operationId
	kind    opKind
	method  string
	pattern []string // "*" matches one segment
	control bool
	strict  *routers.Route
	relaxed *routers.Route
	// probe is a request for response validation: kin-openapi reads only
	// its method there, so one per operation serves every answer.
	probe *http.Request
}

func (o *operation) post() bool { return o.method == http.MethodPost }

// retryable is whether one agent sends this operation at most once per
// task, so that a repeat on the same path is a retry whatever its body
// (a second bid, delivery or resubmit is refused anyway). Progress may be
// posted many times: a repeat is a retry only with the same body.
func (o *operation) oncePerTask() bool {
	return o.kind == opBid || o.kind == opDeliver || o.kind == opResubmit
}

func newOperations() []*operation {
	mk := func(id string, kind opKind, method, pattern string, control bool) *operation {
		return &operation{id: id, kind: kind, method: method, control: control,
			pattern: strings.Split(strings.Trim(pattern, "/"), "/")}
	}
	return []*operation{
		mk("listAvailableTasks", opList, http.MethodGet, "/v1/tasks/available", false),
		mk("createBid", opBid, http.MethodPost, "/v1/tasks/*/bids", false),
		mk("deliverTask", opDeliver, http.MethodPost, "/v1/tasks/*/deliver", false),
		mk("resubmitDelivery", opResubmit, http.MethodPost, "/v1/tasks/*/resubmit", false),
		mk("postProgress", opProgress, http.MethodPost, "/v1/tasks/*/progress", false),
		mk("listTraces", opTraces, http.MethodGet, "/v1/tasks/*/traces", false),
		mk("acceptBid", ctlAccept, http.MethodPost, "/_control/tasks/*/bids/*/accept", true),
		mk("reset", ctlReset, http.MethodPost, "/_control/reset", true),
		mk("getTask", ctlTask, http.MethodGet, "/_control/tasks/*", true),
		mk("getClock", ctlClock, http.MethodGet, "/_control/clock", true),
		mk("advanceClock", ctlAdvance, http.MethodPost, "/_control/clock/advance", true),
	}
}

// bindRoutes finds each Agent API operation in the strict document and in
// its relaxed copy (suites.NewRelaxedAgentRouter: the two-tier rule of jtb
// check), by routing one sample request per operation.
func bindRoutes(ops []*operation) error {
	strict, _, err := jtb.NewAgentRouter()
	if err != nil {
		return err
	}
	relaxed, _, err := suites.NewRelaxedAgentRouter()
	if err != nil {
		return err
	}
	patched := false
	for _, o := range ops {
		if o.control {
			continue
		}
		sample := strings.ReplaceAll("/"+strings.Join(o.pattern, "/"), "*", "00000000-0000-4000-8000-000000000000")
		req, err := http.NewRequest(o.method, "http://upstream"+sample, nil)
		if err != nil {
			return err
		}
		if o.strict, err = findRoute(strict, req); err != nil {
			return fmt.Errorf("openapi.yaml: %s: %w", o.id, err)
		}
		if o.relaxed, err = findRoute(relaxed, req); err != nil {
			return fmt.Errorf("openapi.yaml, relaxed: %s: %w", o.id, err)
		}
		if !patched {
			anyString(o.relaxed.Spec)
			patched = true
		}
		if o.strict.Operation.OperationID != o.id {
			return fmt.Errorf("openapi.yaml: %s %s is %q, not %q", o.method, sample, o.strict.Operation.OperationID, o.id)
		}
		o.probe = req
	}
	return nil
}

// anyString gives every relaxed parameter and header of the relaxed copy
// the schema "any string". suites.RelaxInferred leaves them an untyped
// schema, which accepts any JSON value but which kin-openapi's parameter
// decoder turns into "empty value is not allowed"; a header or query value
// is always a string, so "any string" accepts exactly what "anything" does.
func anyString(doc *openapi3.T) {
	fix := func(p *openapi3.Parameter) {
		if p == nil {
			return
		}
		if v, _ := p.Extensions[suites.InferredExtension].(bool); v && p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Type == nil {
			p.Schema = &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}}}
		}
	}
	fixHeaders := func(hs openapi3.Headers) {
		for _, h := range hs {
			if h != nil && h.Value != nil {
				fix(&h.Value.Parameter)
			}
		}
	}
	if c := doc.Components; c != nil {
		for _, p := range c.Parameters {
			if p != nil {
				fix(p.Value)
			}
		}
		fixHeaders(c.Headers)
		for _, r := range c.Responses {
			if r != nil && r.Value != nil {
				fixHeaders(r.Value.Headers)
			}
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, p := range item.Parameters {
			fix(p.Value)
		}
		for _, op := range item.Operations() {
			for _, p := range op.Parameters {
				fix(p.Value)
			}
			if op.Responses == nil {
				continue
			}
			for _, r := range op.Responses.Map() {
				if r != nil && r.Value != nil {
					fixHeaders(r.Value.Headers)
				}
			}
		}
	}
}

// findRoute routes req and returns a copy of its route whose operation has
// no security requirement: the proxy checks the bearer token itself, and
// kin-openapi would otherwise walk the schemes on every request only to
// call a no-op.
func findRoute(router routers.Router, req *http.Request) (*routers.Route, error) {
	route, _, err := router.FindRoute(req)
	if err != nil {
		return nil, err
	}
	op := *route.Operation
	op.Security = &openapi3.SecurityRequirements{}
	r := *route
	r.Operation = &op
	return &r, nil
}

// match finds the operation of a request and its path parameters (the task
// id first). Anything else (unknown paths, other methods, the rest of the
// control API, a dashboard) is not modelled and is passed through.
func match(ops []*operation, method, path string) (*operation, []string) {
	path = strings.Trim(path, "/")
	var segs [8]string
	n := 0
	for n < len(segs) {
		i := strings.IndexByte(path, '/')
		if i < 0 {
			segs[n] = path
			n++
			path = ""
			break
		}
		segs[n] = path[:i]
		n++
		path = path[i+1:]
	}
	if path != "" { // more segments than any route has
		return nil, nil
	}
	for _, o := range ops {
		if o.method != method || len(o.pattern) != n {
			continue
		}
		var params []string
		ok := true
		for i, p := range o.pattern {
			switch {
			case p == "*" && segs[i] != "":
				params = append(params, segs[i])
			case p != segs[i]:
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok {
			return o, params
		}
	}
	return nil, nil
}
