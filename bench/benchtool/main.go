// Command benchtool is the Go half of bench/run.sh: it prepares the data the
// load runs need, serves the bare net/http baseline, serves the mock with
// pprof for profiling, and turns the measurements into the markdown table.
// run.sh does the orchestration (build, start, wrk, stop); see bench/README.md.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `benchtool: helpers of bench/run.sh

  benchtool capture -base URL -key KEY -out FILE
      save the body of GET /v1/tasks/available?limit=20 (the bare handler serves it)
  benchtool seed -base URL -tasks N -agents M -tasks-out FILE -keys-out FILE -bid-out FILE
      create N tasks and M agents through /_control (N x M fresh (agent, task) bid
      pairs); write the task ids and the agents' keys, one a line, and the body of
      one real 201 bid answer
  benchtool bare -addr ADDR -list FILE -bid FILE
      a bare net/http handler answering those bytes: the practical limit
  benchtool relay -addr ADDR -upstream URL
      the least an HTTP/1.1 proxy in Go does (parse, forward on a kept
      connection, answer in one write; GETs only): the floor of jtb proxy's cost
  benchtool profile -addr ADDR -pprof ADDR [-log FILE]
      the mock as jtb mock serves it, plus net/http/pprof on a second address
  benchtool scorer [-dir fixtures/deliveries] [-size BYTES] [-pairs N]
      the reference scorer beside a plain word-count pass, timed in adjacent pairs
  benchtool plain -base URL -key KEY [-d 5s] [-round N]
      plain GET /v1/tasks/available?limit=3, one at a time: the baseline of
      jtb explore's steps/s
  benchtool table -results FILE
      print the markdown table of the key=value lines in FILE: per server and
      endpoint the median over the rounds (round=N), then every round
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "capture":
		err = runCapture(args[1:], stderr)
	case "seed":
		err = runSeed(args[1:], stderr)
	case "bare":
		err = runBare(args[1:], stderr)
	case "relay":
		err = runRelay(args[1:], stderr)
	case "profile":
		err = runProfile(args[1:], stderr)
	case "plain":
		err = runPlain(args[1:], stdout, stderr)
	case "scorer":
		err = runScorer(args[1:], stdout, stderr)
	case "table":
		err = runTable(args[1:], stdout, stderr)
	default:
		fmt.Fprint(stderr, usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "benchtool %s: %v\n", args[0], err)
		return 1
	}
	return 0
}
