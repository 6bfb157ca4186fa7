package mockserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/jobtobot/jtb/mockserver/core"
	"github.com/jobtobot/jtb/mockserver/defect"
)

// validate is the 400 step: the request against its operation in the
// document, with kin-openapi. Auth was already checked by hand (the route
// carries no security requirement, see newOperation).
func (m *Mock) validate(c *call) (reply, bool) {
	var pathParams map[string]string
	if len(c.op.params) > 0 {
		pathParams = make(map[string]string, len(c.op.params))
		for i, name := range c.op.params {
			if i < len(c.params) {
				pathParams[name] = c.params[i]
			}
		}
	}
	c.query = c.r.URL.Query()
	query := c.query
	if m.defects.Has(defect.PagLimitUnbounded) {
		if n, err := strconv.Atoi(query.Get("limit")); err == nil && n > 100 {
			query = cloneWithout(query, "limit") // the broken mock lets it through
		}
	}
	opts := c.op.validateOpts
	if c.op.laxBody != nil && c.op.laxBody(m.defects, c.body) {
		opts = c.op.validateOptsNoBody
	}
	// A shallow copy is enough: validation reads the request and replaces
	// only the body, which was already read into c.body.
	req := *c.r
	controlBodyIsJSON(&req, c)
	req.Body = http.NoBody
	if c.op.route.Operation.RequestBody != nil {
		req.Body = io.NopCloser(bytes.NewReader(c.body))
	}
	req.ContentLength = int64(len(c.body))
	in := &openapi3filter.RequestValidationInput{Request: &req, PathParams: pathParams, QueryParams: query, Route: c.op.route, Options: opts}
	if err := openapi3filter.ValidateRequest(c.r.Context(), in); err != nil {
		return m.errorReply(core.CodeBadRequest, validationMessage(err)), false
	}
	return reply{}, true
}

func cloneWithout(q url.Values, name string) url.Values {
	out := make(url.Values, len(q))
	for k, v := range q {
		if k != name {
			out[k] = v
		}
	}
	return out
}

// nonpositivePrice is createBid's laxBody: with bid-nonpositive-price on, a
// proposedPrice of 0 or below reaches the core.
func nonpositivePrice(d defect.Set, body []byte) bool {
	p, ok := bodyField(d, defect.BidNonpositivePrice, body, "proposedPrice").(float64)
	return ok && p <= 0
}

// emptyContent is the laxBody of deliver and resubmit: with
// deliver-empty-scored on, blank content reaches the core (and the scorer).
func emptyContent(d defect.Set, body []byte) bool {
	s, ok := bodyField(d, defect.DeliverEmptyScored, body, "content").(string)
	return ok && strings.TrimSpace(s) == ""
}

// bodyField is a top-level field of a JSON object body, decoded only when
// the defect is on: not on every request.
func bodyField(d defect.Set, name string, body []byte, field string) any {
	if !d.Has(name) {
		return nil
	}
	var v map[string]any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	return v[field]
}

// validationMessage names the field kin-openapi complained about.
func validationMessage(err error) string {
	var re *openapi3filter.RequestError
	if !errors.As(err, &re) {
		return err.Error()
	}
	reason := re.Reason
	var se *openapi3.SchemaError
	if errors.As(re.Err, &se) {
		reason = se.Reason
		if ptr := se.JSONPointer(); len(ptr) > 0 && re.Parameter == nil {
			return fmt.Sprintf("body field %s: %s", strings.Join(ptr, "."), reason)
		}
	} else if reason == "" && re.Err != nil {
		reason = re.Err.Error()
	}
	if re.Parameter != nil {
		return fmt.Sprintf("%s parameter %s: %s", re.Parameter.In, re.Parameter.Name, reason)
	}
	if reason == "" {
		reason = "invalid"
	}
	return "body: " + reason
}

// decode reads the body into v (the handlers' first step); the schema has
// passed it, so a failure here is a body the schema could not see into.
func (m *Mock) decode(c *call, v any) (reply, bool) {
	if err := json.Unmarshal(c.body, v); err != nil {
		return m.errorReply(core.CodeBadRequest, "body: invalid JSON: "+err.Error()), false
	}
	return reply{}, true
}
