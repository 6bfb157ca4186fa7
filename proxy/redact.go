package proxy

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"github.com/jobtobot/jtb/suites"
)

// maxSecrets bounds the tokens the proxy remembers to hide. A token past
// the bound is still hidden when it looks like an Agent API key
// (jtb_live_...), and the proxy prints no request or answer body anyway.
const maxSecrets = 10_000

// secrets hides every bearer token the proxy has been sent, the control
// token, and anything that looks like an Agent API key, in whatever it
// prints or reports.
type secrets struct {
	mu     sync.RWMutex
	tokens map[string]bool
	// longest first: a token that holds another must go before it, or
	// its rest would show.
	ordered []string
	base    suites.Redactor
}

func newSecrets(known ...string) *secrets {
	s := &secrets{tokens: map[string]bool{}, base: suites.NewRedactor()}
	for _, k := range known {
		s.add(k)
	}
	return s
}

// add remembers a token to hide. A token of fewer than 4 characters would
// blank out ordinary words and is not a secret worth the name.
func (s *secrets) add(token string) {
	if len(token) < 4 {
		return
	}
	s.mu.RLock()
	known := s.tokens[token]
	s.mu.RUnlock()
	if known {
		return
	}
	s.mu.Lock()
	if len(s.tokens) < maxSecrets && !s.tokens[token] {
		s.tokens[token] = true
		i, _ := slices.BinarySearchFunc(s.ordered, token, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
		s.ordered = slices.Insert(s.ordered, i, token)
	}
	s.mu.Unlock()
}

// String returns str with every secret replaced by [REDACTED].
func (s *secrets) String(str string) string {
	s.mu.RLock()
	for _, t := range s.ordered {
		if strings.Contains(str, t) {
			str = strings.ReplaceAll(str, t, "[REDACTED]")
		}
	}
	s.mu.RUnlock()
	return s.base.String(str)
}
