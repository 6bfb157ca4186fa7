package proxy

import (
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"time"
)

// Faults is what --faults asks for: the share of Agent API calls that get
// each fault, decided by a seeded generator (docs/PROXY.md, "Faults").
type Faults struct {
	// LostResponse: a POST is forwarded, the upstream commits and answers,
	// and the proxy closes the agent's connection without an answer. GETs
	// never get it: with nothing committed it would be a 5xx by another name.
	LostResponse float64
	// ServerError: answered 503 by the proxy, not forwarded.
	ServerError float64
	// TooMany: answered 429 with Retry-After by the proxy, not forwarded.
	TooMany float64
	// Delay holds a call this long before it is forwarded, for the share
	// DelayRate of calls (1 when the spec gives no @rate).
	Delay     time.Duration
	DelayRate float64
	// RetryAfter is the Retry-After of the 429 answers, whole seconds.
	RetryAfter time.Duration
}

// DefaultRetryAfter is the Retry-After of a 429 fault unless the spec says.
const DefaultRetryAfter = time.Second

// ParseFaults reads a spec like
// "lost-response=0.05,5xx=0.02,429=0.01,delay=200ms@0.1,retry-after=2s".
// Rates are from 0 to 1 and those of lost-response, 5xx and 429 add up to
// at most 1 (one call gets one of them at most). "" and "none" are no faults.
func ParseFaults(spec string) (Faults, error) {
	f := Faults{RetryAfter: DefaultRetryAfter}
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "none" {
		return f, nil
	}
	seen := map[string]bool{}
	for _, item := range strings.Split(spec, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok || value == "" {
			return f, fmt.Errorf("faults: %q: want name=value (lost-response, 5xx, 429, delay, retry-after)", item)
		}
		if seen[name] {
			return f, fmt.Errorf("faults: %s given twice", name)
		}
		seen[name] = true
		var err error
		switch name {
		case "lost-response":
			f.LostResponse, err = parseRate(value)
		case "5xx":
			f.ServerError, err = parseRate(value)
		case "429":
			f.TooMany, err = parseRate(value)
		case "delay":
			d, rate, hasRate := strings.Cut(value, "@")
			if f.Delay, err = time.ParseDuration(d); err == nil && f.Delay <= 0 {
				err = fmt.Errorf("want a positive duration")
			}
			f.DelayRate = 1
			if err == nil && hasRate {
				f.DelayRate, err = parseRate(rate)
			}
		case "retry-after":
			if f.RetryAfter, err = time.ParseDuration(value); err == nil &&
				(f.RetryAfter < time.Second || f.RetryAfter%time.Second != 0) {
				err = fmt.Errorf("want whole seconds, at least 1s (Retry-After counts seconds)")
			}
		default:
			return f, fmt.Errorf("faults: unknown fault %q (lost-response, 5xx, 429, delay, retry-after)", name)
		}
		if err != nil {
			return f, fmt.Errorf("faults: %s=%s: %v", name, value, err)
		}
	}
	if sum := f.LostResponse + f.ServerError + f.TooMany; sum > 1+1e-9 {
		return f, fmt.Errorf("faults: lost-response, 5xx and 429 add up to %g; at most 1", sum)
	}
	return f, nil
}

func parseRate(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < 0 || v > 1 {
		return 0, fmt.Errorf("want a rate from 0 to 1")
	}
	return v, nil
}

// None reports whether no fault is asked for.
func (f Faults) None() bool {
	return f.LostResponse == 0 && f.ServerError == 0 && f.TooMany == 0 && (f.Delay == 0 || f.DelayRate == 0)
}

// String is the spec back, in a fixed order ("none" for no faults).
func (f Faults) String() string {
	if f.None() {
		return "none"
	}
	var parts []string
	add := func(name string, rate float64) {
		if rate > 0 {
			parts = append(parts, name+"="+strconv.FormatFloat(rate, 'g', -1, 64))
		}
	}
	add("lost-response", f.LostResponse)
	add("5xx", f.ServerError)
	add("429", f.TooMany)
	if f.Delay > 0 && f.DelayRate > 0 {
		d := "delay=" + f.Delay.String()
		if f.DelayRate < 1 {
			d += "@" + strconv.FormatFloat(f.DelayRate, 'g', -1, 64)
		}
		parts = append(parts, d)
	}
	if f.TooMany > 0 {
		parts = append(parts, "retry-after="+f.RetryAfter.String())
	}
	return strings.Join(parts, ",")
}

// fault is what one call gets.
type fault struct {
	name  string // "", "lost-response", "5xx" or "429"
	delay time.Duration
}

// decide draws the fault of the n-th call (from 0) of one agent to one
// operation. The draw depends on the seed, the agent's key fingerprint, the
// operation and n only, so an agent that makes the same calls again meets
// the same faults, whatever other agents do at the same time.
func (f Faults) decide(seed, agent uint64, op string, n uint64, post bool) fault {
	if f.None() {
		return fault{}
	}
	h := fnv.New64a()
	h.Write([]byte(op))
	x := seed ^ agent*0x9e3779b97f4a7c15 ^ h.Sum64() ^ n*0xbf58476d1ce4e5b9
	u1, u2 := unit(splitmix(&x)), unit(splitmix(&x))
	var out fault
	if f.Delay > 0 && u2 < f.DelayRate {
		out.delay = f.Delay
	}
	switch {
	case u1 < f.TooMany:
		out.name = "429"
	case u1 < f.TooMany+f.ServerError:
		out.name = "5xx"
	case u1 < f.TooMany+f.ServerError+f.LostResponse && post:
		out.name = "lost-response"
	}
	return out
}

// splitmix is SplitMix64: small, fast and well mixed, enough to turn a
// seed and a call's coordinates into independent draws.
func splitmix(x *uint64) uint64 {
	*x += 0x9e3779b97f4a7c15
	z := *x
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// unit maps 64 random bits to [0, 1).
func unit(v uint64) float64 { return float64(v>>11) / (1 << 53) }
