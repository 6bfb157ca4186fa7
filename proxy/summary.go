package proxy

import (
	"cmp"
	"maps"
	"slices"
	"sync"
)

// SummaryRow counts the findings of one kind and operation.
type SummaryRow struct {
	Kind      Kind
	Operation string
	Errors    int
	Warnings  int
}

// Summary is what the proxy saw in all.
type Summary struct {
	Exchanges int64 // calls forwarded or answered, control and pass-through included
	Rows      []SummaryRow
	// Faults counts the injected faults by name (lost-response, 5xx, 429, delay).
	Faults map[string]int
}

// Errors is the number of error-severity findings.
func (s Summary) Errors() int {
	n := 0
	for _, r := range s.Rows {
		n += r.Errors
	}
	return n
}

// Warnings is the number of warnings.
func (s Summary) Warnings() int {
	n := 0
	for _, r := range s.Rows {
		n += r.Warnings
	}
	return n
}

type countKey struct {
	kind Kind
	op   string
}

type counts struct {
	mu     sync.Mutex
	rows   map[countKey]*SummaryRow
	faults map[string]int
}

func (c *counts) fault(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.faults == nil {
		c.faults = map[string]int{}
	}
	c.faults[name]++
}

func (c *counts) add(f Finding) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rows == nil {
		c.rows = map[countKey]*SummaryRow{}
	}
	k := countKey{f.Kind, f.Operation}
	r := c.rows[k]
	if r == nil {
		r = &SummaryRow{Kind: f.Kind, Operation: f.Operation}
		c.rows[k] = r
	}
	if f.Severity == Error {
		r.Errors++
	} else {
		r.Warnings++
	}
}

// Summary counts the findings so far, per kind and operation.
func (p *Proxy) Summary() Summary {
	p.counts.mu.Lock()
	defer p.counts.mu.Unlock()
	s := Summary{Exchanges: p.exchange.Load(), Faults: maps.Clone(p.counts.faults)}
	for _, r := range p.counts.rows {
		s.Rows = append(s.Rows, *r)
	}
	order := map[Kind]int{}
	for i, k := range Kinds() {
		order[k] = i
	}
	slices.SortFunc(s.Rows, func(a, b SummaryRow) int {
		return cmp.Or(cmp.Compare(order[a.Kind], order[b.Kind]), cmp.Compare(a.Operation, b.Operation))
	})
	return s
}

// report stamps, redacts, counts and hands on the findings of one call.
func (p *Proxy) report(c *call, ex Exchange) {
	if len(c.findings) == 0 {
		return
	}
	ex.Path = p.secrets.String(ex.Path)
	if ex.Upstream == ex.Status {
		ex.Upstream = 0
	}
	at := p.now()
	for _, f := range c.findings {
		f.Time = at
		f.Agent = c.agent.label
		f.Message = p.secrets.String(f.Message)
		f.Exchange = ex
		p.counts.add(f)
		if p.onFinding != nil {
			p.onFinding(f)
		}
	}
}
