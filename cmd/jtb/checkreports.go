package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jobtobot/jtb/suites"
	"github.com/jobtobot/jtb/suites/report"
)

// reportPaths are the report flags of jtb check; "-" is standard output.
type reportPaths struct {
	junit, json, results, html, har, markdown string
}

// reportKind is one report: its flag, what it holds, and its writer.
type reportKind struct {
	flag, usage string
	path        func(*reportPaths) *string
	write       func(io.Writer, *report.Run) error
}

var reportKinds = []reportKind{
	{"junit-report", "write a JUnit XML report to this `file` ('-': standard output)", func(p *reportPaths) *string { return &p.junit }, report.WriteJUnit},
	{"json-report", "write Ginkgo's JSON report, with each spec's outcome, to this `file` ('-': standard output)", func(p *reportPaths) *string { return &p.json }, report.WriteGinkgoJSON},
	{"results", "write the results document (JSON, one entry per clause) to this `file` ('-': standard output)", func(p *reportPaths) *string { return &p.results }, report.WriteResults},
	{"html-report", "write a self-contained HTML report to this `file` ('-': standard output)", func(p *reportPaths) *string { return &p.html }, report.WriteHTML},
	{"har", "write every exchange of the run, redacted, as HAR 1.2 to this `file` ('-': standard output)", func(p *reportPaths) *string { return &p.har }, report.WriteHAR},
	{"summary-markdown", "write a Markdown summary (for $GITHUB_STEP_SUMMARY) to this `file` ('-': standard output)", func(p *reportPaths) *string { return &p.markdown }, report.WriteMarkdown},
}

func (p *reportPaths) flags(fs *flag.FlagSet) {
	for _, k := range reportKinds {
		fs.StringVar(k.path(p), k.flag, "", k.usage)
	}
}

// check refuses two reports on standard output (they would run into one
// another) and two reports into one file.
func (p *reportPaths) check() error {
	var stdout []string
	seen := map[string]string{}
	for _, k := range reportKinds {
		path := *k.path(p)
		switch {
		case path == "":
		case path == "-":
			stdout = append(stdout, "--"+k.flag)
		case seen[path] != "":
			return fmt.Errorf("--%s and --%s both write %s", seen[path], k.flag, path)
		default:
			seen[path] = k.flag
		}
	}
	if len(stdout) > 1 {
		return fmt.Errorf("%s all write to standard output ('-'): only one report can", strings.Join(stdout, ", "))
	}
	return nil
}

// toStdout names the flag of the report that goes to standard output, or "".
func (p *reportPaths) toStdout() string {
	for _, k := range reportKinds {
		if *k.path(p) == "-" {
			return k.flag
		}
	}
	return ""
}

// writeReports renders every report asked for, redacts it whole once more
// (a text the model took from a target may hold a secret the run learnt
// later) and writes it: to its file, or to stdout. A report that cannot
// be written does not keep the others from being written.
func writeReports(facts *report.Run, paths reportPaths, capture *suites.Capture, redact suites.Redactor, stdout io.Writer) error {
	if capture != nil {
		facts.Exchanges, facts.DroppedExchanges = capture.Entries(redact), capture.Dropped()
	}
	var errs []error
	for _, k := range reportKinds {
		path := *k.path(&paths)
		if path == "" {
			continue
		}
		var b bytes.Buffer
		if err := k.write(&b, facts); err != nil {
			errs = append(errs, fmt.Errorf("--%s %s: %w", k.flag, path, err))
			continue
		}
		data := redact.Bytes(b.Bytes())
		var err error
		if path == "-" {
			_, err = stdout.Write(data)
		} else {
			err = os.WriteFile(path, data, 0o644)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("--%s %s: %w", k.flag, path, err))
		}
	}
	return errors.Join(errs...)
}
