package mockserver

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// operation is one route: its pattern ("*" matches one segment), its handler
// and the spec route it is validated against (found once, at startup).
type operation struct {
	method  string
	pattern []string
	control bool
	route   *routers.Route // nil when the document lacks the operation
	params  []string       // the spec's path parameter names, in order
	// The validation options, made once: with and without the body.
	validateOpts, validateOptsNoBody *openapi3filter.Options
	handle                           func(m *Mock, c *call) reply
}

func op(method, pattern string, control bool, h func(*Mock, *call) reply) *operation {
	return &operation{method: method, pattern: strings.Split(strings.Trim(pattern, "/"), "/"), control: control, handle: h}
}

func agentOperations() []*operation {
	return []*operation{
		op(http.MethodGet, "/v1/tasks/available", false, (*Mock).listTasks),
		op(http.MethodPost, "/v1/tasks/*/bids", false, (*Mock).createBid),
		op(http.MethodPost, "/v1/tasks/*/deliver", false, (*Mock).deliver),
		op(http.MethodPost, "/v1/tasks/*/resubmit", false, (*Mock).resubmit),
		op(http.MethodPost, "/v1/tasks/*/progress", false, (*Mock).progress),
		op(http.MethodGet, "/v1/tasks/*/traces", false, (*Mock).traces),
	}
}

func controlOperations() []*operation {
	return []*operation{
		op(http.MethodGet, "/_control/capabilities", true, (*Mock).capabilities),
		op(http.MethodPost, "/_control/reset", true, (*Mock).reset),
		op(http.MethodPost, "/_control/agents", true, (*Mock).createAgent),
		op(http.MethodPost, "/_control/tasks", true, (*Mock).createTask),
		op(http.MethodGet, "/_control/tasks/*", true, (*Mock).getTask),
		op(http.MethodPost, "/_control/tasks/*/bids/*/accept", true, (*Mock).acceptBid),
		op(http.MethodPost, "/_control/tasks/*/bids/*/reject", true, (*Mock).rejectBid),
		op(http.MethodPost, "/_control/tasks/*/pdqg", true, (*Mock).pinScores),
		op(http.MethodPost, "/_control/clock/advance", true, (*Mock).advanceClock),
		op(http.MethodGet, "/_control/clock", true, (*Mock).getClock),
	}
}

var paramPattern = regexp.MustCompile(`\{([^}]+)\}`)

// bindOperations finds each operation in the document, so that a request is
// routed once by match and validated without a second lookup. prefix is
// tried stripped too, for a document whose server URL carries it.
func bindOperations(doc *openapi3.T, ops []*operation, prefix string) ([]*operation, error) {
	for _, o := range ops {
		want := "/" + strings.Join(o.pattern, "/")
		for path, item := range doc.Paths.Map() {
			norm := paramPattern.ReplaceAllString(path, "*")
			if norm != want && (prefix == "" || prefix+norm != want) {
				continue
			}
			specOp := item.GetOperation(o.method)
			if specOp == nil {
				return nil, fmt.Errorf("%s %s: the document has the path but not the method", o.method, path)
			}
			// Authentication is checked by hand before validation (401
			// comes first), so the operation validated against carries no
			// security requirement: kin-openapi would otherwise walk the
			// schemes on every request only to call a no-op.
			noSecurity := *specOp
			noSecurity.Security = &openapi3.SecurityRequirements{}
			o.route = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: o.method, Operation: &noSecurity}
			o.validateOpts = &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, SkipSettingDefaults: true}
			o.validateOptsNoBody = &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, SkipSettingDefaults: true, ExcludeRequestBody: true}
			for _, m := range paramPattern.FindAllStringSubmatch(path, -1) {
				o.params = append(o.params, m[1])
			}
		}
		if o.route == nil && !o.control {
			return nil, fmt.Errorf("%s %s: not in openapi.yaml", o.method, want)
		}
	}
	return ops, nil
}

// match finds the operation of a request. With no operation for the method
// but some for the path, allow lists their methods (for 405).
func match(ops []*operation, method, path string) (*operation, []string, string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var allow []string
	for _, o := range ops {
		params, ok := matchPattern(o.pattern, segs)
		if !ok {
			continue
		}
		if o.method == method {
			return o, params, ""
		}
		allow = append(allow, o.method)
	}
	return nil, nil, strings.Join(allow, ", ")
}

func matchPattern(pattern, segs []string) ([]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	var params []string
	for i, p := range pattern {
		switch {
		case p == "*" && segs[i] != "":
			params = append(params, segs[i])
		case p != segs[i]:
			return nil, false
		}
	}
	return params, true
}
