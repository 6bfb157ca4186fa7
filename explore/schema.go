package explore

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// The invalid (and the just-valid) inputs of a program are derived from
// openapi.yaml itself: its request bodies' schemas, the limit parameter and
// the Idempotency-Key header are walked once, and every constraint found
// (required, type, minimum, maximum, minLength, maxLength, pattern) becomes a
// mutation of a valid input. Nothing here lists a field or a bound by hand;
// only which clause fixes the answer is a table (faultClause), because that
// is the catalogue's business, not the schema's.

// mutation turns a valid body into one that breaks (or sits on) one
// constraint.
type mutation struct {
	fault Fault
	apply func(valid map[string]any) []byte
}

// paramProbe is a raw value of a query parameter or header.
type paramProbe struct {
	fault Fault
	value string
	// length: the value is this many characters (a key padded to its bound).
	length int
}

// inputs is what the document allows and forbids, per operation.
type inputs struct {
	bodies map[string][]mutation // by op: OpBid, OpDeliver, OpResubmit, OpProgress
	limit  []paramProbe
	key    []paramProbe
}

// operations maps the document's operationIds to the ops of a program.
var operations = map[string]string{
	"createBid":          OpBid,
	"deliverTask":        OpDeliver,
	"resubmitDelivery":   OpResubmit,
	"postProgress":       OpProgress,
	"listAvailableTasks": OpList,
}

// deriveInputs walks a document of the Agent API (openapi.yaml).
func deriveInputs(doc *openapi3.T) (*inputs, error) {
	in := &inputs{bodies: map[string][]mutation{}}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			o := item.GetOperation(method)
			if o == nil {
				continue
			}
			op, ok := operations[o.OperationID]
			if !ok {
				continue
			}
			params := append(slices.Clone(item.Parameters), o.Parameters...)
			for _, p := range params {
				if p.Value == nil || p.Value.Schema == nil || p.Value.Schema.Value == nil {
					continue
				}
				switch {
				case p.Value.In == openapi3.ParameterInQuery && p.Value.Name == "limit" && len(in.limit) == 0:
					in.limit = paramProbes(op, "limit", p.Value.Schema.Value)
				case p.Value.In == openapi3.ParameterInHeader && p.Value.Name == "Idempotency-Key" && len(in.key) == 0:
					in.key = paramProbes(op, "Idempotency-Key", p.Value.Schema.Value)
				}
			}
			if o.RequestBody == nil || o.RequestBody.Value == nil {
				continue
			}
			mt := o.RequestBody.Value.Content.Get("application/json")
			if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
				continue
			}
			in.bodies[op] = bodyMutations(op, mt.Schema.Value)
		}
	}
	for _, op := range []string{OpBid, OpDeliver, OpResubmit, OpProgress} {
		if len(in.bodies[op]) == 0 {
			return nil, fmt.Errorf("explore: openapi.yaml gives no request body schema for %s", op)
		}
	}
	if len(in.limit) == 0 || len(in.key) == 0 {
		return nil, fmt.Errorf("explore: openapi.yaml lacks the limit parameter or the Idempotency-Key header")
	}
	return in, nil
}

// bodyMutations derives the mutations of one request body schema.
func bodyMutations(op string, s *openapi3.Schema) []mutation {
	var out []mutation
	add := func(kind, field, why string, apply func(map[string]any) []byte) {
		out = append(out, mutation{fault: Fault{Kind: kind, Field: field, Why: why, Clause: faultClause(op, kind, field)}, apply: apply})
	}
	add("json", "", "the body is not JSON", func(v map[string]any) []byte {
		b := mustJSON(v)
		return b[:len(b)-1]
	})
	if s.Type.Is(openapi3.TypeObject) {
		add("root", "", "the body is an object, not an array", func(map[string]any) []byte { return []byte("[]") })
	}
	for _, name := range s.Required {
		add("required", name, name+" is required", func(v map[string]any) []byte {
			c := clone(v)
			delete(c, name)
			return mustJSON(c)
		})
	}
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	slices.Sort(names) // map order must not change what a seed generates
	for _, name := range names {
		ref := s.Properties[name]
		if ref == nil || ref.Value == nil {
			continue
		}
		p := ref.Value
		set := func(val any) func(map[string]any) []byte {
			return func(v map[string]any) []byte {
				c := clone(v)
				c[name] = val
				return mustJSON(c)
			}
		}
		switch {
		case p.Type.Is(openapi3.TypeNumber), p.Type.Is(openapi3.TypeInteger):
			add("type", name, name+" is a number", set("12.50"))
			if p.Min != nil {
				lo := *p.Min
				add("minimum", name, fmt.Sprintf("%s ≥ %v", name, lo), set(round2(lo-step(lo))))
				add("minimum", name, fmt.Sprintf("%s ≥ %v", name, lo), set(-math.Max(1, math.Abs(lo)*100)))
				if !p.ExclusiveMin.IsTrue() {
					add("at-minimum", name, fmt.Sprintf("%s = %v, its minimum", name, lo), set(lo))
				}
			}
			if p.Max != nil {
				hi := *p.Max
				add("maximum", name, fmt.Sprintf("%s ≤ %v", name, hi), set(round2(hi+step(hi))))
				if !p.ExclusiveMax.IsTrue() {
					add("at-maximum", name, fmt.Sprintf("%s = %v, its maximum", name, hi), set(hi))
				}
			}
		case p.Type.Is(openapi3.TypeString):
			add("type", name, name+" is a string", set(42))
			if p.MinLength > 0 {
				add("minLength", name, fmt.Sprintf("%s has at least %d characters", name, p.MinLength), set(strings.Repeat("x", int(p.MinLength)-1)))
			}
			if p.MaxLength != nil {
				n := int(*p.MaxLength)
				add("maxLength", name, fmt.Sprintf("%s has at most %d characters", name, n), set(strings.Repeat("x", n+1)))
				add("at-maxLength", name, fmt.Sprintf("%s has %d characters, its maximum", name, n), set(strings.Repeat("y", n-1)+"z"))
			}
			if v, ok := breakPattern(p.Pattern); ok {
				add("pattern", name, fmt.Sprintf("%s matches %s", name, p.Pattern), set(v))
			}
		case p.Type.Is(openapi3.TypeObject):
			add("type", name, name+" is an object", set("x"))
			add("type", name, name+" is an object", set([]any{1, 2}))
		}
	}
	return out
}

// paramProbes derives the probes of a query parameter or header schema.
func paramProbes(op, name string, s *openapi3.Schema) []paramProbe {
	var out []paramProbe
	add := func(kind, why, value string, length int) {
		out = append(out, paramProbe{fault: Fault{Kind: kind, Field: name, Why: why, Clause: faultClause(op, kind, name)}, value: value, length: length})
	}
	if s.Type.Is(openapi3.TypeInteger) {
		add("type", name+" is an integer", "abc", 0)
		add("type", name+" is an integer", "1.5", 0)
		add("type", name+" is an integer", "", 0)
	}
	if s.Min != nil {
		lo := int(*s.Min)
		add("minimum", fmt.Sprintf("%s ≥ %d", name, lo), strconv.Itoa(lo-1), 0)
		add("at-minimum", fmt.Sprintf("%s = %d, its minimum", name, lo), strconv.Itoa(lo), 0)
	}
	if s.Max != nil {
		hi := int(*s.Max)
		add("maximum", fmt.Sprintf("%s ≤ %d", name, hi), strconv.Itoa(hi+1), 0)
		add("at-maximum", fmt.Sprintf("%s = %d, its maximum", name, hi), strconv.Itoa(hi), 0)
	}
	if s.Type.Is(openapi3.TypeString) {
		if s.MinLength > 0 {
			add("minLength", fmt.Sprintf("%s has at least %d characters", name, s.MinLength), "", 0)
		}
		if s.MaxLength != nil {
			n := int(*s.MaxLength)
			add("maxLength", fmt.Sprintf("%s has at most %d characters", name, n), "", n+1)
			add("at-maxLength", fmt.Sprintf("%s has %d characters, its maximum", name, n), "", n)
		}
		if v, ok := breakPattern(s.Pattern); ok && v != "" {
			add("pattern", fmt.Sprintf("%s matches %s", name, s.Pattern), v, 0)
		}
	}
	return out
}

// breakPattern finds a short string the pattern refuses.
func breakPattern(pattern string) (string, bool) {
	if pattern == "" {
		return "", false
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return "", false
	}
	for _, c := range []string{"   ", "clé", "x\u00a0y", "!", "0", "x"} {
		if !re.MatchString(c) {
			return c, true
		}
	}
	return "", false
}

// faultClause is the clause that fixes the answer to a request breaking (or
// sitting on) a constraint. The page itself names three 400s ("Missing
// required fields, invalid JSON, price out of range"); the rest of the
// limits are our decisions (SHOULD), as in suites/.
func faultClause(op, kind, field string) string {
	bound := strings.HasPrefix(kind, "at-")
	switch op {
	case OpBid:
		switch {
		case kind == "json", kind == "required", kind == "minimum" && field == "proposedPrice":
			return "JTB-BID-004"
		case field == "Idempotency-Key":
			return "JTB-IDEM-006"
		}
		return "JTB-BID-008"
	case OpDeliver, OpResubmit:
		if kind == "json" {
			return "JTB-ENV-010"
		}
		if field == "Idempotency-Key" {
			return "JTB-IDEM-006"
		}
		return "JTB-DLV-008"
	case OpProgress:
		if kind == "json" {
			return "JTB-ENV-010"
		}
		if field == "Idempotency-Key" {
			return "JTB-IDEM-006"
		}
		return "JTB-PRG-004"
	case OpList:
		if bound {
			return "JTB-PAG-004"
		}
		return "JTB-PAG-005"
	}
	return "JTB-ENV-010"
}

func step(v float64) float64 {
	if v != 0 && math.Abs(v) < 1 {
		return math.Abs(v)
	}
	return 0.01
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func clone(v map[string]any) map[string]any {
	c := make(map[string]any, len(v))
	for k, x := range v {
		c[k] = x
	}
	return c
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only values built here reach it
	}
	return b
}
