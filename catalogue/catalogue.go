// Package catalogue reads the clause catalogue (catalogue.yaml): one entry per
// normative statement of the Agent API, each with a stable ID that specs name.
package catalogue

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Levels of a clause (RFC 2119 words).
const (
	Must   = "MUST"
	Should = "SHOULD"
)

// areaLabels maps an ID's area code to the label its specs carry.
var areaLabels = map[string]string{
	"AUTH": "auth",
	"ENV":  "envelope",
	"PAG":  "discovery",
	"BID":  "bidding",
	"IDEM": "idempotency",
	"DLV":  "delivery",
	"RSB":  "resubmit",
	"PRG":  "progress",
	"TRC":  "traces",
	// The control API is the harness a staging team implements to let the
	// suite in, not the judged API; its label is not "control", which
	// names what a spec needs (suites.NeedControl).
	"CTL": "control-api",
	// jtb check --explore: random programs against the reference model,
	// after the specs (docs/EXPLORE.md).
	"EXP": "explore",
}

// idPattern is the stable clause ID form, JTB-AREA-NNN.
var idPattern = regexp.MustCompile(`^JTB-([A-Z]+)-([0-9]{3})$`)

// IDInText finds clause IDs written as "[JTB-AREA-NNN]" in a spec text.
var IDInText = regexp.MustCompile(`\[(JTB-[A-Z]+-[0-9]{3})\]`)

// AreaOfID returns the area code of a well-formed clause ID (PAG for
// JTB-PAG-010), whether or not a catalogue holds it.
func AreaOfID(id string) (string, bool) {
	m := idPattern.FindStringSubmatch(id)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// IDOfText returns the clause ID a spec's text names ("[JTB-AREA-NNN] ...").
func IDOfText(text string) (string, bool) {
	m := IDInText.FindStringSubmatch(text)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// Clause is one normative statement.
type Clause struct {
	ID    string   `yaml:"id"`
	Level string   `yaml:"level"`
	Area  string   `yaml:"area"`
	Title string   `yaml:"title"`
	Seed  []string `yaml:"seed"`   // exact sentences of the seed (MUST)
	Why   string   `yaml:"reason"` // the decision behind a SHOULD; for a MUST, why the quotes make it one
}

// AreaLabel is the spec label of the clause's area ("discovery" for PAG).
func (c Clause) AreaLabel() string { return areaLabels[c.Area] }

// LevelLabel is the spec label of the clause's level ("must" or "should").
func (c Clause) LevelLabel() string { return strings.ToLower(c.Level) }

// Catalogue is the parsed catalogue.yaml.
type Catalogue struct {
	Version int      `yaml:"version"`
	SeedRef string   `yaml:"seed"`
	Clauses []Clause `yaml:"clauses"`
	// Informative lists the seed's sentences that state no behaviour
	// (headings, account set-up, asides), each with the reason, so that
	// Uncovered can demand a clause for every other sentence.
	Informative []Informative `yaml:"informative"`

	byID map[string]int
}

// Informative is a seed sentence that no clause needs to cover.
type Informative struct {
	Text string `yaml:"text"`
	Why  string `yaml:"reason"`
}

// Parse reads and checks a catalogue: IDs well-formed and unique, the ID's
// area matching the area field, a known level, a title, and a source (seed
// quotes for MUST, a reason for SHOULD).
func Parse(data []byte) (*Catalogue, error) {
	var c Catalogue
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	c.byID = make(map[string]int, len(c.Clauses))
	var errs []error
	for i, cl := range c.Clauses {
		if err := check(cl); err != nil {
			errs = append(errs, err)
		}
		if _, dup := c.byID[cl.ID]; dup {
			errs = append(errs, fmt.Errorf("%s: duplicate id", cl.ID))
		}
		c.byID[cl.ID] = i
	}
	for _, in := range c.Informative {
		if strings.TrimSpace(in.Text) == "" || strings.TrimSpace(in.Why) == "" {
			errs = append(errs, fmt.Errorf("informative %q: needs text and reason", in.Text))
		}
	}
	if len(c.Clauses) == 0 {
		errs = append(errs, errors.New("no clauses"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	return &c, nil
}

func check(cl Clause) error {
	m := idPattern.FindStringSubmatch(cl.ID)
	switch {
	case m == nil:
		return fmt.Errorf("%q: id is not JTB-AREA-NNN", cl.ID)
	case m[1] != cl.Area:
		return fmt.Errorf("%s: area %q does not match the id", cl.ID, cl.Area)
	case areaLabels[cl.Area] == "":
		return fmt.Errorf("%s: unknown area %q", cl.ID, cl.Area)
	case cl.Level != Must && cl.Level != Should:
		return fmt.Errorf("%s: level %q is neither MUST nor SHOULD", cl.ID, cl.Level)
	case strings.TrimSpace(cl.Title) == "":
		return fmt.Errorf("%s: no title", cl.ID)
	case cl.Level == Must && len(cl.Seed) == 0:
		return fmt.Errorf("%s: a MUST clause quotes the seed", cl.ID)
	case cl.Level == Should && strings.TrimSpace(cl.Why) == "":
		return fmt.Errorf("%s: a SHOULD clause gives the reason for the decision", cl.ID)
	}
	for _, q := range cl.Seed {
		if strings.TrimSpace(q) == "" {
			return fmt.Errorf("%s: empty seed quote", cl.ID)
		}
	}
	return nil
}

// Clause returns the clause with this ID.
func (c *Catalogue) Clause(id string) (Clause, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Clause{}, false
	}
	return c.Clauses[i], true
}

// AreaLabels lists the spec labels of every area, for help texts.
func AreaLabels() map[string]string {
	out := make(map[string]string, len(areaLabels))
	for k, v := range areaLabels {
		out[k] = v
	}
	return out
}
