package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/jobtobot/jtb/mockserver"
	"github.com/jobtobot/jtb/suites"
)

// What jtb mock does when others can reach it: the control token rule, and
// the report of what a state file restored.

// controlAccess is how the control API is guarded.
type controlAccess struct {
	token     string // "": open
	generated bool   // the mock drew the token: the banner prints it, once
	exposed   bool   // the mock listens beyond loopback
}

// errOpenAndToken is the one contradiction of the control flags.
var errOpenAndToken = errors.New("--control-open and --control-token contradict each other: give one")

// decideControl applies the token rule. On loopback the control API stays
// open unless a token is given. Beyond loopback (any other address, all
// interfaces included) a control API that resets the state, moves the clock
// and hands out agent keys is not left open by accident: without a token the
// mock draws one, and only --control-open leaves it open (with a warning).
func decideControl(addr, token string, open bool, lookup func(string) ([]netip.Addr, error), random io.Reader) (controlAccess, error) {
	if token != "" && open {
		return controlAccess{}, errOpenAndToken
	}
	loopback, err := loopbackOnly(addr, lookup)
	if err != nil {
		return controlAccess{}, err
	}
	a := controlAccess{token: token, exposed: !loopback}
	if token != "" || loopback || open {
		return a, nil
	}
	raw := make([]byte, 24)
	if _, err := io.ReadFull(random, raw); err != nil {
		return controlAccess{}, fmt.Errorf("drawing a control token: %w", err)
	}
	a.token, a.generated = "jtb_ctl_"+hex.EncodeToString(raw), true
	return a, nil
}

// loopbackOnly reports whether a listen address (--addr, host:port) reaches
// the loopback interface only. An empty host or an unspecified address
// (0.0.0.0, ::) is every interface; a host name counts as loopback only if
// every address it resolves to is one (localhost, usually).
func loopbackOnly(addr string, lookup func(string) ([]netip.Addr, error)) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("--addr %q: %w", addr, err)
	}
	if host == "" {
		return false, nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap().IsLoopback(), nil
	}
	ips, err := lookup(host)
	if err != nil {
		return false, fmt.Errorf("--addr %q: %w", addr, err)
	}
	for _, ip := range ips {
		if !ip.Unmap().IsLoopback() {
			return false, nil
		}
	}
	return len(ips) > 0, nil
}

// lookupHost resolves a listen host with the system's resolver.
func lookupHost(host string) ([]netip.Addr, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// controlBanner is what the banner says of the control API's guard.
func controlBanner(a controlAccess, base string) string {
	switch {
	case a.generated:
		return fmt.Sprintf("  control token: %s\n"+
			"    (drawn for this start, printed only here: the mock listens beyond loopback, so /_control requires\n"+
			"    Authorization: Bearer <token>; pass --control-token T to choose it, or --control-open to leave it open)\n", a.token)
	case a.token != "":
		return "  control API: requires the token given (--control-token or " + suites.EnvControlToken + ")\n"
	case a.exposed:
		return "  WARNING: the control API is open to everyone who can reach " + base + " (--control-open):\n" +
			"    anyone can reset the state, move the clock and create agents with their keys\n"
	}
	return ""
}

// restoredBanner says what a state file restored, and what of it was torn.
func restoredBanner(r mockserver.Restored) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  state file: %s (locked by this process, pid %d, in %s)\n", r.Path, r.PID, r.LockFile)
	clock := "clock " + r.Clock.UTC().Format("2006-01-02T15:04:05.000Z")
	if r.Fresh() {
		fmt.Fprintf(&b, "  restored: nothing (a new state file): the fixtures, %s and %s; %s\n", count(r.Tasks, "task"), count(r.Agents, "agent"), clock)
	} else {
		from := "the journal"
		if r.Snapshot {
			from = "the snapshot"
			if r.Records > 0 {
				from += " and the journal"
			}
		}
		fmt.Fprintf(&b, "  restored from %s (%s): %s, %s, %s, %s, %s, %s; %s (it goes on from the last change: the downtime does not count)\n",
			from, count(r.Records, "journal record"), count(r.Tasks, "task"), count(r.Bids, "bid"), count(r.Deliveries, "delivery"),
			count(r.Traces, "trace"), count(r.Agents, "agent"), count(r.IdempotencyKeys, "idempotency key"), clock)
	}
	if t := r.Torn; t != nil {
		fmt.Fprintf(&b, "  journal: dropped a torn tail, never acknowledged: %s at offset %d (record %d: %s); the bytes are kept in %s\n",
			count(int(t.Bytes), "byte"), t.Offset, t.Record, t.Reason, t.KeptIn)
	}
	return b.String()
}

// count writes "1 task", "2 tasks", "1 delivery", "2 deliveries".
func count(n int, noun string) string {
	switch {
	case n == 1:
	case strings.HasSuffix(noun, "y") && !strings.HasSuffix(noun, "ey"):
		noun = strings.TrimSuffix(noun, "y") + "ies"
	default:
		noun += "s"
	}
	return strconv.Itoa(n) + " " + noun
}
