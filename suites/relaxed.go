package suites

import (
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/jobtobot/jtb"
)

// InferredExtension marks the parts of openapi.yaml that are our decisions,
// not the seed's words.
const InferredExtension = "x-jtb-inferred"

// FindingClause is the SHOULD clause an answer breaks when it departs only
// from inferred parts of openapi.yaml: it fails the strict document and
// passes the relaxed one.
const FindingClause = "JTB-ENV-009"

// NewRelaxedAgentRouter returns a router over a fresh copy of the Agent API
// document in which every part marked x-jtb-inferred accepts anything (see
// RelaxInferred), and how many parts it relaxed.
func NewRelaxedAgentRouter() (routers.Router, int, error) {
	doc, err := jtb.LoadAgentAPI()
	if err != nil {
		return nil, 0, err
	}
	n := RelaxInferred(doc)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, 0, fmt.Errorf("relaxed router: %w", err)
	}
	return router, n, nil
}

// RelaxInferred relaxes, in place, every schema (component or inline, at any
// depth) and every parameter and header marked x-jtb-inferred: true to an
// empty schema that accepts any value, null included; an inferred header or
// parameter is no longer required either. What the seed states (the
// envelopes, the listing's fields, price as a decimal string, ...) stays as
// it is. A shared $ref target is relaxed once, through its Value, so every
// reference to it sees the relaxed schema: call it only on a copy of the
// document of its own (jtb.LoadAgentAPI returns one per call). It returns how
// many parts it relaxed.
func RelaxInferred(doc *openapi3.T) int {
	r := relaxer{seen: map[*openapi3.Schema]bool{}}
	if c := doc.Components; c != nil {
		for _, s := range c.Schemas {
			r.schemaRef(s)
		}
		for _, p := range c.Parameters {
			r.parameter(p)
		}
		for _, h := range c.Headers {
			r.header(h)
		}
		for _, b := range c.RequestBodies {
			if b != nil && b.Value != nil {
				r.content(b.Value.Content)
			}
		}
		for _, resp := range c.Responses {
			r.response(resp)
		}
	}
	if doc.Paths != nil {
		for _, item := range doc.Paths.Map() {
			for _, p := range item.Parameters {
				r.parameter(p)
			}
			for _, op := range item.Operations() {
				for _, p := range op.Parameters {
					r.parameter(p)
				}
				if op.RequestBody != nil && op.RequestBody.Value != nil {
					r.content(op.RequestBody.Value.Content)
				}
				if op.Responses != nil {
					for _, resp := range op.Responses.Map() {
						r.response(resp)
					}
					r.anySuccess(op.Responses)
				}
			}
		}
	}
	return r.relaxed
}

// anySuccess lets an operation's one documented success answer under any
// 2xx status: the seed states no success status at all (201 for a new bid
// is our decision), so another 2xx departs only from what we inferred.
func (r *relaxer) anySuccess(responses *openapi3.Responses) {
	var success *openapi3.ResponseRef
	for code, resp := range responses.Map() {
		if len(code) == 3 && code[0] == '2' {
			if success != nil {
				return // more than one: which would another 2xx be?
			}
			success = resp
		}
	}
	if success != nil && responses.Value("2XX") == nil {
		responses.Set("2XX", success)
		r.relaxed++
	}
}

type relaxer struct {
	seen    map[*openapi3.Schema]bool
	relaxed int
}

func inferred(ext map[string]any) bool {
	v, ok := ext[InferredExtension].(bool)
	return ok && v
}

// acceptAnything is the relaxed schema.
func acceptAnything() *openapi3.Schema { return &openapi3.Schema{Nullable: true} }

func (r *relaxer) schemaRef(ref *openapi3.SchemaRef) {
	if ref == nil || ref.Value == nil {
		return
	}
	r.schema(ref.Value)
}

func (r *relaxer) schema(s *openapi3.Schema) {
	if r.seen[s] {
		return
	}
	r.seen[s] = true
	if inferred(s.Extensions) {
		// In place: every $ref to this schema shares the Value.
		*s = openapi3.Schema{Nullable: true, Extensions: s.Extensions, Description: s.Description}
		r.relaxed++
		return
	}
	for _, p := range s.Properties {
		r.schemaRef(p)
	}
	r.schemaRef(s.Items)
	if s.AdditionalProperties.Schema != nil {
		r.schemaRef(s.AdditionalProperties.Schema)
	}
	for _, list := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, sub := range list {
			r.schemaRef(sub)
		}
	}
	r.schemaRef(s.Not)
}

func (r *relaxer) parameter(ref *openapi3.ParameterRef) {
	if ref == nil || ref.Value == nil {
		return
	}
	r.param(ref.Value)
}

func (r *relaxer) header(ref *openapi3.HeaderRef) {
	if ref == nil || ref.Value == nil {
		return
	}
	r.param(&ref.Value.Parameter)
}

func (r *relaxer) param(p *openapi3.Parameter) {
	if inferred(p.Extensions) {
		if p.Required || p.Schema != nil || p.Content != nil {
			r.relaxed++
		}
		p.Required = false
		// A new schema, not the shared one changed: the parameter alone is inferred.
		p.Schema = &openapi3.SchemaRef{Value: acceptAnything()}
		p.Content = nil
		return
	}
	r.schemaRef(p.Schema)
	r.content(p.Content)
}

func (r *relaxer) response(ref *openapi3.ResponseRef) {
	if ref == nil || ref.Value == nil {
		return
	}
	for _, h := range ref.Value.Headers {
		r.header(h)
	}
	r.content(ref.Value.Content)
}

func (r *relaxer) content(c openapi3.Content) {
	for _, mt := range c {
		if mt != nil {
			r.schemaRef(mt.Schema)
		}
	}
}
