package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	pdqg "github.com/jobtobot/jtb/reference-pdqg"
)

const pdqgUsage = `Usage: jtb pdqg score FILE [--task TASK.json] [--json]

Scores a delivery with the reference Pre-Delivery Quality Gate and explains
the score criterion by criterion. FILE "-" reads standard input.
TASK.json holds {"title","description","category"} (a task object from the
API, or its {"ok":true,"data":{...}} envelope, works too; other fields are
ignored). Without --task, relevance, language, echo, stuffing and off_topic are
not scored. The breakdown says how far the score is from the next line (0.40
or 0.65), which task terms the delivery never uses and what each fix would gain;
--json has the same as {"score","verdict","version","criteria","next_line",
"language","missing_terms"}.

Exit status: 0 pass or warn, 1 reject, 2 bad input.
`

// maxDelivery mirrors the mock's body limit: the gate never sees more.
const maxDelivery = 1 << 20

// runPDQG is `jtb pdqg`: it parses, calls the pure scorer and prints.
func runPDQG(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "score" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stdout, pdqgUsage)
			return exitOK
		}
		fmt.Fprint(stderr, pdqgUsage)
		return exitConfig
	}
	fs := flag.NewFlagSet("jtb pdqg score", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	taskPath := fs.String("task", "", "task JSON file")
	asJSON := fs.Bool("json", false, "print JSON")
	// Flags may come before or after FILE.
	var files []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, pdqgUsage)
				return exitOK
			}
			fmt.Fprintf(stderr, "jtb pdqg score: %v\n", err)
			return exitConfig
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(files) != 1 {
		fmt.Fprintf(stderr, "jtb pdqg score: want exactly one FILE, got %d (see jtb pdqg -h)\n", len(files))
		return exitConfig
	}

	content, err := readDelivery(files[0], stdin)
	if err != nil {
		fmt.Fprintf(stderr, "jtb pdqg score: %v\n", err)
		return exitConfig
	}
	var task pdqg.Task
	if *taskPath != "" {
		if task, err = readTask(*taskPath); err != nil {
			fmt.Fprintf(stderr, "jtb pdqg score: %v\n", err)
			return exitConfig
		}
	}

	res := pdqg.Score(task, content)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			fmt.Fprintf(stderr, "jtb pdqg score: %v\n", err)
			return exitConfig
		}
	} else {
		printBreakdown(stdout, res)
	}
	if res.Verdict == pdqg.VerdictReject {
		return exitFail
	}
	return exitOK
}

func readDelivery(path string, stdin io.Reader) (string, error) {
	var r io.Reader
	name := path
	if path == "-" {
		r, name = stdin, "standard input"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return "", fmt.Errorf("cannot read delivery: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxDelivery+1))
	if err != nil {
		return "", fmt.Errorf("cannot read delivery from %s: %w", name, err)
	}
	switch {
	case len(b) > maxDelivery:
		return "", fmt.Errorf("%s is larger than 1 MiB, the API's body limit", name)
	case bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(b):
		return "", fmt.Errorf("%s looks binary (NUL bytes or invalid UTF-8): a delivery is UTF-8 text", name)
	case len(bytes.TrimSpace(b)) == 0:
		return "", fmt.Errorf("%s is empty: the API answers an empty delivery with 400, not a score", name)
	}
	return string(b), nil
}

func readTask(path string) (pdqg.Task, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return pdqg.Task{}, fmt.Errorf("cannot read task: %w", err)
	}
	// Accept a bare task or the API's {"ok":true,"data":{...}} envelope.
	var doc struct {
		pdqg.Task
		Data *pdqg.Task `json:"data"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return pdqg.Task{}, fmt.Errorf("task %s is not valid JSON: %v", path, err)
	}
	t := doc.Task
	if doc.Data != nil && t.Title == "" && t.Description == "" {
		t = *doc.Data
	}
	if strings.TrimSpace(t.Title) == "" && strings.TrimSpace(t.Description) == "" {
		return pdqg.Task{}, fmt.Errorf("task %s has neither title nor description", path)
	}
	return t, nil
}

func printBreakdown(w io.Writer, res pdqg.Result) {
	fmt.Fprintf(w, "PDQG score %.4f  verdict %s  (%s)\n", res.Score, res.Verdict, res.Version)
	fmt.Fprintf(w, "reject below %.2f, warn up to %.2f, pass above: %s\n", pdqg.RejectBelow, pdqg.WarnUpTo, res.NextLine.Text)
	if res.Language != "" {
		fmt.Fprintf(w, "language: %s\n", res.Language)
	}
	if len(res.MissingTerms) > 0 {
		q := make([]string, len(res.MissingTerms))
		for i, t := range res.MissingTerms {
			q[i] = fmt.Sprintf("%q", t)
		}
		fmt.Fprintf(w, "task terms it never uses: %s\n", strings.Join(q, ", "))
	}
	if gains := res.Gains(); len(gains) > 0 && res.Verdict != pdqg.VerdictPass || len(gains) > 0 && gains[0].Gain >= 0.01 {
		fmt.Fprintln(w, "\nbiggest gains (fixing one criterion fully):")
		for i, g := range gains {
			if i == 3 || g.Gain < 0.005 {
				break
			}
			fmt.Fprintf(w, "  +%.2f %-12s %s\n", g.Gain, g.Criterion, g.Feedback)
		}
	}
	fmt.Fprintln(w)
	kind := ""
	for _, c := range res.Criteria {
		if c.Kind != kind {
			kind = c.Kind
			if kind == "quality" {
				fmt.Fprintln(w, "quality (weighted sum):")
			} else {
				fmt.Fprintln(w, "\npenalties (each multiplies by 1 - weight x (1 - score)):")
			}
		}
		fmt.Fprintf(w, "  %-12s weight %.4f  score %.4f  %s\n", c.Name, c.Weight, c.Score, c.Feedback)
	}
}
