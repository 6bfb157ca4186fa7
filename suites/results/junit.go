package results

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// JUnit's elements, as CI readers (GitHub, GitLab, Jenkins) take them.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string      `xml:"name,attr"`
	Tests      int         `xml:"tests,attr"`
	Failures   int         `xml:"failures,attr"`
	Errors     int         `xml:"errors,attr"`
	Skipped    int         `xml:"skipped,attr"`
	Time       string      `xml:"time,attr"`
	Properties []Property  `xml:"properties>property,omitempty"`
	Cases      []junitCase `xml:"testcase"`
}

// Property is a JUnit property: the run's verdict, the jtb version, ...
type Property struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name       string        `xml:"name,attr"`
	Classname  string        `xml:"classname,attr"`
	Time       string        `xml:"time,attr"`
	Properties []Property    `xml:"properties>property,omitempty"`
	Failure    *junitProblem `xml:"failure,omitempty"`
	Error      *junitProblem `xml:"error,omitempty"`
	Skipped    *junitSkipped `xml:"skipped,omitempty"`
	SystemOut  string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes the run as JUnit XML: one testsuite per area, one
// testcase per spec, named with its clause ID (the classname) and its text.
// A testcase has a <failure> exactly when it makes the run fail: its own
// MUST failure, or with strict its SHOULD warnings (its own and the
// findings it holds); an <error> when it could not drive the target; a
// <skipped> with the reason. Without strict a warning stays visible in the
// testcase's system-out and its jtb.outcome property, and fails nothing.
// The first testsuite carries the run's verdict and props (the version,
// the seed, ...) as properties.
func WriteJUnit(w io.Writer, r *Run, strict bool, props ...Property) error {
	top := junitSuites{Name: "jtb check", Time: seconds(r.Duration.Seconds())}
	index := map[string]int{}
	var times []float64 // per suite
	for _, s := range r.Specs {
		area := "(no area)"
		if c, ok := r.Clause(s.Clause); ok && c.AreaLabel != "" {
			area = c.AreaLabel
		}
		i, ok := index[area]
		if !ok {
			i = len(top.Suites)
			index[area] = i
			top.Suites = append(top.Suites, junitSuite{Name: area})
			times = append(times, 0)
		}
		times[i] += s.Duration.Seconds()
		tc := junitCase{Name: s.Name(), Classname: s.Clause, Time: seconds(s.Duration.Seconds()),
			Properties: []Property{{"jtb.outcome", string(s.Outcome)}}}
		warnings := r.Warnings(s)
		suite := &top.Suites[i]
		switch {
		case s.Outcome == Fail:
			tc.Failure = &junitProblem{Message: firstLine(s.Message), Type: "MUST", Text: s.Message}
		case s.Outcome == Error:
			tc.Error = &junitProblem{Message: firstLine(s.Message), Type: "error", Text: s.Message}
		case s.Outcome == Skip:
			tc.Skipped = &junitSkipped{Message: s.Message}
		}
		switch {
		case len(warnings) > 0 && strict && tc.Failure == nil && tc.Error == nil:
			tc.Failure = &junitProblem{Message: firstLine(warnings[0]) + " (--strict)", Type: "SHOULD",
				Text: Cut(strings.Join(warnings, "\n\n"), MaxText)}
		case len(warnings) > 0:
			tc.SystemOut = "WARN " + strings.Join(warnings, "\n\nWARN ")
		}
		suite.Tests++
		switch {
		case tc.Failure != nil:
			suite.Failures++
		case tc.Error != nil:
			suite.Errors++
		case tc.Skipped != nil:
			suite.Skipped++
		}
		suite.Cases = append(suite.Cases, tc)
	}
	for i := range top.Suites {
		s := &top.Suites[i]
		s.Time = seconds(times[i])
		top.Tests += s.Tests
		top.Failures += s.Failures
		top.Errors += s.Errors
		top.Skipped += s.Skipped
	}
	if len(top.Suites) > 0 {
		top.Suites[0].Properties = []Property{
			{"jtb.verdict", string(r.Verdict(strict))},
			{"jtb.strict", fmt.Sprint(strict)},
			{"jtb.ran", fmt.Sprintf("%d of %d", r.Ran, r.Total)},
			{"jtb.exit-code", fmt.Sprint(r.Verdict(strict).ExitCode())},
		}
		top.Suites[0].Properties = append(top.Suites[0].Properties, props...)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(top); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }
