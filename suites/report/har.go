package report

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jobtobot/jtb/suites"
)

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), the fields jtb
// writes. Fields of our own start with an underscore, as the format asks.
type harFile struct {
	Log harLog `json:"log"`
}

type harLog struct {
	Version string     `json:"version"`
	Creator harCreator `json:"creator"`
	Pages   []struct{} `json:"pages"`
	Entries []harEntry `json:"entries"`
	Comment string     `json:"comment"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Comment string `json:"comment"`
}

type harEntry struct {
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"` // milliseconds
	Request         harRequest  `json:"request"`
	Response        harResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         harTimings  `json:"timings"`
	Comment         string      `json:"comment"`
	Spec            string      `json:"_jtbSpec,omitempty"`
	Clause          string      `json:"_jtbClause,omitempty"`
	Phase           string      `json:"_jtbPhase,omitempty"`
	API             string      `json:"_jtbApi"`
	As              string      `json:"_jtbAs"`
}

type harRequest struct {
	Method      string     `json:"method"`
	URL         string     `json:"url"`
	HTTPVersion string     `json:"httpVersion"`
	Cookies     []struct{} `json:"cookies"`
	Headers     []harNV    `json:"headers"`
	QueryString []harNV    `json:"queryString"`
	PostData    *harPost   `json:"postData,omitempty"`
	HeadersSize int        `json:"headersSize"`
	BodySize    int        `json:"bodySize"`
	Comment     string     `json:"comment,omitempty"`
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harPost struct {
	MimeType string  `json:"mimeType"`
	Params   []harNV `json:"params"`
	Text     string  `json:"text"`
	Comment  string  `json:"comment,omitempty"`
}

type harResponse struct {
	Status      int        `json:"status"`
	StatusText  string     `json:"statusText"`
	HTTPVersion string     `json:"httpVersion"`
	Cookies     []struct{} `json:"cookies"`
	Headers     []harNV    `json:"headers"`
	Content     harContent `json:"content"`
	RedirectURL string     `json:"redirectURL"`
	HeadersSize int        `json:"headersSize"`
	BodySize    int        `json:"bodySize"`
	Comment     string     `json:"comment,omitempty"`
	// Error is why the request got no answer (status 0), as Chromium
	// writes it.
	Error string `json:"_error,omitempty"`
}

type harContent struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Encoding string `json:"encoding,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

type harTimings struct {
	Blocked float64 `json:"blocked"`
	DNS     float64 `json:"dns"`
	Connect float64 `json:"connect"`
	SSL     float64 `json:"ssl"`
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// WriteHAR writes every exchange of the run as a HAR 1.2 log, redacted
// (the run's Exchanges are), each entry's comment naming the spec and the
// clause that made it, or the phase outside any spec. The client measures
// one span per exchange, from sending to the answer's last byte: it is the
// entry's wait; the other timings are unknown (-1) or 0.
func WriteHAR(w io.Writer, r *Run) error {
	log := harLog{
		Version: "1.2",
		Creator: harCreator{Name: "jtb", Version: r.Tool.Short(), Comment: r.Tool.String()},
		Pages:   []struct{}{},
		Entries: []harEntry{},
		Comment: fmt.Sprintf("jtb check of %s: %s (exit %d); %d exchanges, seed %d", r.Target.BaseURL, r.Headline(), r.ExitCode(), len(r.Exchanges), r.Seed),
	}
	if r.DroppedExchanges > 0 {
		log.Comment += fmt.Sprintf("; %d later exchanges not kept (a run keeps at most %d)", r.DroppedExchanges, suites.MaxCapturedEntries)
	}
	for _, x := range r.Exchanges {
		log.Entries = append(log.Entries, harEntryOf(x))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(harFile{Log: log})
}

func harEntryOf(x suites.Captured) harEntry {
	ms := float64(x.Duration.Microseconds()) / 1000
	e := harEntry{
		StartedDateTime: x.Start.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Time:            ms,
		Timings:         harTimings{Blocked: -1, DNS: -1, Connect: -1, SSL: -1, Send: 0, Wait: ms, Receive: 0},
		Spec:            x.Spec, Clause: x.Clause, Phase: x.Phase, API: x.API, As: x.As,
	}
	switch {
	case x.Spec != "":
		e.Comment = fmt.Sprintf("spec %s (clause %s); %s API as %s", x.Spec, x.Clause, x.API, x.As)
	default:
		e.Comment = fmt.Sprintf("%s (outside any spec); %s API as %s", x.Phase, x.API, x.As)
	}
	proto := x.Proto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	e.Request = harRequest{
		Method: x.Method, URL: urlSafe(x.URL), HTTPVersion: proto, Cookies: []struct{}{},
		Headers: nvs(x.RequestHeader), QueryString: query(x.URL), HeadersSize: -1, BodySize: x.RequestSize,
	}
	if x.RequestSize > 0 || x.RequestBody != nil {
		text, _, note := bodyText(x.RequestBody, x.RequestSize, x.BodiesLeftOut)
		e.Request.PostData = &harPost{MimeType: x.RequestHeader.Get("Content-Type"), Params: []harNV{}, Text: text, Comment: note}
	}
	e.Response = harResponse{
		Status: x.Status, StatusText: http.StatusText(x.Status), HTTPVersion: proto, Cookies: []struct{}{},
		Headers: nvs(x.ResponseHeader), RedirectURL: x.ResponseHeader.Get("Location"), HeadersSize: -1, BodySize: x.ResponseSize,
	}
	if x.Status == 0 {
		e.Response.BodySize, e.Response.Error = -1, x.Err
		e.Response.Comment = "no answer: " + x.Err
		e.Comment += "; no answer"
	}
	text, encoding, note := bodyText(x.ResponseBody, x.ResponseSize, x.BodiesLeftOut)
	if x.ResponseTruncated {
		note = strings.TrimPrefix(note+fmt.Sprintf("; the answer was longer than the %d MiB the suite reads", suites.MaxBody>>20), "; ")
	}
	mime := x.ResponseHeader.Get("Content-Type")
	if mime == "" {
		mime = "x-unknown"
	}
	e.Response.Content = harContent{Size: x.ResponseSize, MimeType: mime, Text: text, Encoding: encoding, Comment: note}
	return e
}

// bodyText is a kept body as HAR content: text, or base64 when it is not
// UTF-8, with a note when it was cut or left out.
func bodyText(kept []byte, size int, leftOut bool) (text, encoding, note string) {
	switch {
	case leftOut && size > 0:
		note = fmt.Sprintf("body of %d bytes not kept: the run's capture keeps at most %d MiB of bodies", size, suites.MaxCapturedBytes>>20)
	case len(kept) < size:
		note = fmt.Sprintf("cut: the first %d of %d bytes", len(kept), size)
	}
	if utf8.Valid(kept) {
		return string(kept), "", note
	}
	return base64.StdEncoding.EncodeToString(kept), "base64", note
}

// nvs lists a header's values in name order, one per value.
func nvs(h http.Header) []harNV {
	out := []harNV{}
	for _, name := range slices.Sorted(mapKeys(h)) {
		for _, v := range h[name] {
			out = append(out, harNV{Name: name, Value: v})
		}
	}
	return out
}

func query(raw string) []harNV {
	out := []harNV{}
	u, err := url.Parse(raw)
	if err != nil {
		return out
	}
	for _, part := range strings.Split(u.RawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		out = append(out, harNV{Name: k, Value: v})
	}
	return out
}

// urlSafe keeps a redacted URL a URL: the mark's brackets escaped.
func urlSafe(u string) string {
	return strings.ReplaceAll(u, suites.Redacted, url.PathEscape(suites.Redacted))
}
