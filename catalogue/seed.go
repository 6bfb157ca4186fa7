package catalogue

import (
	"strings"
	"unicode"
)

// Statements splits the seed page into the sentences that could state
// behaviour: every sentence of every prose line, with the examples (curl
// commands, JSON bodies, header lines) left out, since the OpenAPI document
// covers those. List markers ("1. ") are dropped; headings and table rows are
// kept, so that each must be either covered or listed as informative.
func Statements(seed string) []string {
	var out []string
	for _, line := range strings.Split(seed, "\n") {
		if isExampleLine(line) {
			continue
		}
		s := strings.TrimSpace(line)
		s = strings.TrimLeft(strings.TrimLeft(s, "0123456789"), ". ")
		if s == "" {
			// A bare section number ("3.") or an empty line.
			continue
		}
		out = append(out, sentences(s)...)
	}
	return out
}

func isExampleLine(line string) bool {
	s := strings.TrimSpace(line)
	if s == "" {
		return true
	}
	if strings.HasPrefix(line, "  ") && !startsWithListNumber(s) {
		return true // indented: inside a JSON body or a curl command
	}
	for _, p := range []string{"{", "}", "]", "\"", "curl ", "-H ", "-d ", "Authorization:"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func startsWithListNumber(s string) bool {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i > 0 && i+1 < len(s) && s[i] == '.' && s[i+1] == ' '
}

// sentences splits at ". ", "! " or "? " followed by a capital letter or a
// digit, which is how the seed's prose runs sentences together.
func sentences(s string) []string {
	var out []string
	start := 0
	runes := []rune(s)
	for i := 0; i+2 < len(runes); i++ {
		switch runes[i] {
		case '.', '!', '?':
			if runes[i+1] == ' ' && (unicode.IsUpper(runes[i+2]) || unicode.IsDigit(runes[i+2])) {
				out = append(out, strings.TrimSpace(string(runes[start:i+1])))
				start = i + 2
			}
		}
	}
	if rest := strings.TrimSpace(string(runes[start:])); rest != "" {
		out = append(out, rest)
	}
	return out
}

// Uncovered returns the seed's statements that no clause quotes (a quote
// inside the statement, or the statement inside a quote) and that are not
// listed as informative: each is a sentence the catalogue forgot.
func (c *Catalogue) Uncovered(seed string) []string {
	info := make(map[string]bool, len(c.Informative))
	for _, in := range c.Informative {
		info[strings.TrimSpace(in.Text)] = true
	}
	var out []string
	for _, st := range Statements(seed) {
		if info[st] || c.quoted(st) {
			continue
		}
		out = append(out, st)
	}
	return out
}

func (c *Catalogue) quoted(statement string) bool {
	for _, cl := range c.Clauses {
		for _, q := range cl.Seed {
			if strings.Contains(statement, q) || strings.Contains(q, statement) {
				return true
			}
		}
	}
	return false
}
