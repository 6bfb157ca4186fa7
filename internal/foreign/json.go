package foreign

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
)

// node is a JSON value that keeps what encoding/json's maps lose: the
// order of an object's keys and a number's exact text.
type node struct {
	kind  byte     // 'o' object, 'a' array, 's' string, 'l' literal (number, true, false, null)
	keys  []string // object
	vals  []*node  // object values, or array items
	value string   // string, or the literal's text
}

func parseJSON(data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := parseValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON value")
	}
	return n, nil
}

func parseValue(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &node{kind: 'o'}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				n.keys, n.vals = append(n.keys, k.(string)), append(n.vals, v)
			}
			_, err := dec.Token()
			return n, err
		case '[':
			n := &node{kind: 'a'}
			for dec.More() {
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				n.vals = append(n.vals, v)
			}
			_, err := dec.Token()
			return n, err
		}
		return nil, errors.New("unexpected delimiter")
	case string:
		return &node{kind: 's', value: t}, nil
	case json.Number:
		return &node{kind: 'l', value: t.String()}, nil
	case bool:
		if t {
			return &node{kind: 'l', value: "true"}, nil
		}
		return &node{kind: 'l', value: "false"}, nil
	case nil:
		return &node{kind: 'l', value: "null"}, nil
	}
	return nil, errors.New("unexpected token")
}

func (n *node) encode(b *bytes.Buffer) {
	switch n.kind {
	case 'o':
		b.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			n.vals[i].encode(b)
		}
		b.WriteByte('}')
	case 'a':
		b.WriteByte('[')
		for i, v := range n.vals {
			if i > 0 {
				b.WriteByte(',')
			}
			v.encode(b)
		}
		b.WriteByte(']')
	case 's':
		writeString(b, n.value)
	default:
		b.WriteString(n.value)
	}
}

func (n *node) bytes() []byte {
	var b bytes.Buffer
	n.encode(&b)
	return b.Bytes()
}

func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	b.Truncate(b.Len() - 1) // Encode's newline
}

// get returns the value of key in an object, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != 'o' {
		return nil
	}
	if i := slices.Index(n.keys, key); i >= 0 {
		return n.vals[i]
	}
	return nil
}

// set sets key in an object, appending it when new.
func (n *node) set(key string, v *node) {
	if i := slices.Index(n.keys, key); i >= 0 {
		n.vals[i] = v
		return
	}
	n.keys, n.vals = append(n.keys, key), append(n.vals, v)
}

// del removes key from an object.
func (n *node) del(key string) {
	if i := slices.Index(n.keys, key); i >= 0 {
		n.keys, n.vals = slices.Delete(n.keys, i, i+1), slices.Delete(n.vals, i, i+1)
	}
}

// keep keeps only these keys of an object.
func (n *node) keep(keys ...string) {
	for i := len(n.keys) - 1; i >= 0; i-- {
		if !slices.Contains(keys, n.keys[i]) {
			n.keys, n.vals = slices.Delete(n.keys, i, i+1), slices.Delete(n.vals, i, i+1)
		}
	}
}

// reverseKeys orders every object's keys from z to a, at every depth: JSON
// says key order means nothing, and a client must not read it.
func (n *node) reverseKeys() {
	for _, v := range n.vals {
		v.reverseKeys()
	}
	if n.kind != 'o' {
		return
	}
	idx := make([]int, len(n.keys))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(n.keys[b], n.keys[a]) })
	keys, vals := make([]string, len(idx)), make([]*node, len(idx))
	for i, j := range idx {
		keys[i], vals[i] = n.keys[j], n.vals[j]
	}
	n.keys, n.vals = keys, vals
}

func str(s string) *node { return &node{kind: 's', value: s} }

func literal(s string) *node { return &node{kind: 'l', value: s} }

// mapStrings rewrites the string literals of a JSON text that f maps, and
// copies every other byte as it is: white space, key order and numbers of
// a request body stay the client's. It works on broken JSON too (a client
// mistake the target must answer), as far as its strings can be told.
func mapStrings(data []byte, f func(string) (string, bool)) []byte {
	var out bytes.Buffer
	for i := 0; i < len(data); {
		if data[i] != '"' {
			out.WriteByte(data[i])
			i++
			continue
		}
		end := i + 1
		for end < len(data) && data[end] != '"' {
			if data[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(data) { // an unterminated string: leave the rest alone
			out.Write(data[i:])
			break
		}
		lit := data[i : end+1]
		var s string
		if json.Unmarshal(lit, &s) == nil {
			if r, ok := f(s); ok {
				writeString(&out, r)
				i = end + 1
				continue
			}
		}
		out.Write(lit)
		i = end + 1
	}
	return out.Bytes()
}
