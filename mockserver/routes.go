package mockserver

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/jobtobot/jtb/mockserver/defect"
)

// An api is one of the mock's two documents; every operation belongs to one.
type api uint8

const (
	agentAPI   api = iota // openapi.yaml
	controlAPI            // control-api.yaml, served under /_control
)

func (a api) String() string {
	if a == controlAPI {
		return "control-api.yaml"
	}
	return "openapi.yaml"
}

// handler is what the mock does for one operationId.
type handler struct {
	run func(*Mock, *call) reply
	// laxBody, when set, reports whether a defect that is on lets this body
	// past the schema, so the core sees (and mishandles) what the schema
	// would refuse first.
	laxBody func(defect.Set, []byte) bool
	// stream, when set instead of run, writes the answer itself as it goes
	// (the event stream), after the same auth and validation.
	stream func(*Mock, http.ResponseWriter, *call)
}

// agentHandlers is the Agent API's operationId → handler table.
func agentHandlers() map[string]handler {
	return map[string]handler{
		"listAvailableTasks": {run: (*Mock).listTasks},
		"createBid":          {run: (*Mock).createBid, laxBody: nonpositivePrice},
		"deliverTask":        {run: (*Mock).deliver, laxBody: emptyContent},
		"resubmitDelivery":   {run: (*Mock).resubmit, laxBody: emptyContent},
		"postProgress":       {run: (*Mock).progress},
		"listTraces":         {run: (*Mock).traces},
	}
}

// controlHandlers is the control API's operationId → handler table.
func controlHandlers() map[string]handler {
	return map[string]handler{
		"getCapabilities": {run: (*Mock).capabilities},
		"reset":           {run: (*Mock).reset},
		"createAgent":     {run: (*Mock).createAgent},
		"createTask":      {run: (*Mock).createTask},
		"getTask":         {run: (*Mock).getTask},
		"acceptBid":       {run: (*Mock).acceptBid},
		"rejectBid":       {run: (*Mock).rejectBid},
		"pinPdqgScores":   {run: (*Mock).pinScores},
		"advanceClock":    {run: (*Mock).advanceClock},
		"getClock":        {run: (*Mock).getClock},
		// The poster's view and the simulated poster (posterview.go, poster.go, events.go).
		"listTasks":       {run: (*Mock).listControlTasks},
		"getTaskTraces":   {run: (*Mock).taskTraces},
		"getPoster":       {run: (*Mock).getPoster},
		"setPoster":       {run: (*Mock).setPoster},
		"streamEvents":    {stream: (*Mock).streamEvents},
		"advanceTaskTime": {run: (*Mock).advanceTaskTime}, // control_time.go
		"deleteTask":      {run: (*Mock).deleteTask},      // control_cleanup.go
		"deleteAgent":     {run: (*Mock).deleteAgent},
	}
}

// operation is one route of a document bound to its handler: its pattern
// ("*" matches one segment) and the spec route it is validated against,
// both taken from the document once, at start-up.
type operation struct {
	api     api
	id      string // the operationId
	method  string
	pattern []string
	route   *routers.Route
	params  []string // the path parameters' names, in order
	// The validation options, made once: with and without the body.
	validateOpts, validateOptsNoBody *openapi3filter.Options
	handler
}

// bindOperations builds an API's routing table from its document, as
// stripe-mock does: it walks the paths in kin-openapi's matching order
// (fewer parameters first, so /v1/tasks/available comes before any
// /v1/tasks/{taskId} of the same length) and binds each operation to the
// handler of its operationId. An operation without a handler, a handler
// without an operation and an operation without an id are all errors, so
// the document and the mock cannot drift apart silently.
func bindOperations(doc *openapi3.T, a api, handlers map[string]handler) ([]*operation, error) {
	var ops []*operation
	var errs []error
	bound := map[string]bool{}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		byMethod := item.Operations()
		for _, method := range slices.Sorted(maps.Keys(byMethod)) {
			specOp := byMethod[method]
			h, ok := handlers[specOp.OperationID]
			switch {
			case specOp.OperationID == "":
				errs = append(errs, fmt.Errorf("%s: %s %s has no operationId", a, method, path))
				continue
			case !ok:
				errs = append(errs, fmt.Errorf("%s: %s %s (operationId %s) has no handler in the mock", a, method, path, specOp.OperationID))
				continue
			}
			bound[specOp.OperationID] = true
			o, err := newOperation(doc, a, path, item, method, specOp, h)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			ops = append(ops, o)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(handlers)) {
		if !bound[id] {
			errs = append(errs, fmt.Errorf("%s: the mock has a handler for operationId %s, which names no operation", a, id))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return ops, nil
}

func newOperation(doc *openapi3.T, a api, path string, item *openapi3.PathItem, method string, specOp *openapi3.Operation, h handler) (*operation, error) {
	o := &operation{api: a, id: specOp.OperationID, method: method, handler: h}
	for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		name, isParam := strings.CutPrefix(seg, "{")
		name, closed := strings.CutSuffix(name, "}")
		switch {
		case isParam && closed && !strings.ContainsAny(name, "{}"):
			o.pattern = append(o.pattern, "*")
			o.params = append(o.params, name)
		case strings.ContainsAny(seg, "{}"):
			return nil, fmt.Errorf("%s: %s %s: only whole path segments can be parameters", a, method, path)
		default:
			o.pattern = append(o.pattern, seg)
		}
	}
	// Authentication is checked by hand before validation (401 comes
	// first), so the operation validated against carries no security
	// requirement: kin-openapi would otherwise walk the schemes on every
	// request only to call a no-op.
	noSecurity := *specOp
	noSecurity.Security = &openapi3.SecurityRequirements{}
	o.route = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: &noSecurity}
	o.validateOpts = &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, SkipSettingDefaults: true}
	o.validateOptsNoBody = &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, SkipSettingDefaults: true, ExcludeRequestBody: true}
	return o, nil
}

// match finds the operation of a request. The first documented path that
// matches, in matching order, owns the request (a literal path beats one
// with a parameter in its place); with no operation there for the method,
// allow lists the methods it has (for 405).
func match(ops []*operation, method, path string) (*operation, []string, string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var allow []string
	owner := ""
	for _, o := range ops {
		if owner != "" && o.route.Path != owner {
			break // a path's operations are next to each other
		}
		params, ok := matchPattern(o.pattern, segs)
		if !ok {
			continue
		}
		owner = o.route.Path
		if o.method == method {
			return o, params, ""
		}
		allow = append(allow, o.method)
	}
	return nil, nil, strings.Join(allow, ", ")
}

// matchPattern reports whether segs fit pattern and returns the segments in
// its "*" places. The parameters are gathered only after a match: the
// patterns are tried in turn, and a failed try must cost no allocation.
func matchPattern(pattern, segs []string) ([]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	n := 0
	for i, p := range pattern {
		switch {
		case p == "*" && segs[i] != "":
			n++
		case p != segs[i]:
			return nil, false
		}
	}
	if n == 0 {
		return nil, true
	}
	params := make([]string, 0, n)
	for i, p := range pattern {
		if p == "*" {
			params = append(params, segs[i])
		}
	}
	return params, true
}
