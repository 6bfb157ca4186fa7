package foreign

import (
	"regexp"
)

// msStamp is a timestamp as the mock writes it: milliseconds and a Z.
var msStamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// verdicts are this server's names of the PDQG's three outcomes.
var verdicts = map[string]string{"reject": "rejected", "warn": "warning", "pass": "passed"}

// outerBody rewrites an answer of the mock into this server's: ids,
// timestamps, verdicts, cursors, messages, extra fields, key order. A body
// that is not JSON goes out as it came.
func (s *Server) outerBody(body []byte, reshape func(data *node)) []byte {
	if len(body) == 0 {
		return body
	}
	n, err := parseJSON(body)
	if err != nil {
		return body
	}
	s.outerValue(n, "")
	if n.kind == 'o' {
		if d := n.get("data"); d != nil && reshape != nil && n.get("ok") != nil && n.get("ok").value == "true" {
			reshape(d)
		}
		n.set("meta", &node{kind: 'o', keys: []string{"server"}, vals: []*node{str("fx")}})
		if e := n.get("error"); e != nil && e.kind == 'o' {
			if code := e.get("code"); code != nil && messages[code.value] != "" {
				e.set("message", str(messages[code.value]))
			}
		}
	}
	n.reverseKeys()
	return n.bytes()
}

// outerValue rewrites a value found under key.
func (s *Server) outerValue(n *node, key string) {
	switch n.kind {
	case 's':
		switch {
		case isUUID(n.value):
			n.value = s.ids.outer(n.value)
		case msStamp.MatchString(n.value):
			n.value = n.value[:len(n.value)-1] + "000Z"
		case key == "verdict" && verdicts[n.value] != "":
			n.value = verdicts[n.value]
		case key == "next_cursor":
			n.value = outerCursor(n.value)
		}
	case 'a':
		for _, v := range n.vals {
			s.outerValue(v, key)
		}
	case 'o':
		for i, k := range n.keys {
			if k == "metadata" {
				s.outerIDs(n.vals[i]) // the client's own data: only the ids it holds are this server's
				continue
			}
			s.outerValue(n.vals[i], k)
		}
		if kind := objectKind(n); kind != "" {
			n.set("object", str(kind))
		}
	}
}

// outerIDs maps the ids in a client's own data and changes nothing else.
func (s *Server) outerIDs(n *node) {
	if n.kind == 's' && isUUID(n.value) {
		n.value = s.ids.outer(n.value)
	}
	for _, v := range n.vals {
		s.outerIDs(v)
	}
}

// objectKind names the kind of a resource object by the fields it has.
func objectKind(n *node) string {
	if n.get("id") == nil {
		return ""
	}
	switch {
	case n.get("coverLetter") != nil:
		return "bid"
	case n.get("attempt") != nil:
		return "delivery"
	case n.get("event") != nil:
		return "trace"
	case n.get("title") != nil:
		return "task"
	}
	return ""
}

// listingShape keeps of a control task the fields a listed task has.
func listingShape(n *node) {
	if n.kind == 'o' {
		n.keep("id", "title", "description", "category", "status", "band", "price", "createdAt", "object")
	}
}

// dropNulls removes an object's null fields: this server leaves out what
// it has not got.
func dropNulls(n *node) {
	if n.kind != 'o' {
		return
	}
	for i := len(n.keys) - 1; i >= 0; i-- {
		if n.vals[i].kind == 'l' && n.vals[i].value == "null" {
			n.del(n.keys[i])
		}
	}
}
