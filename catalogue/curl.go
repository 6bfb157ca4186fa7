package catalogue

import (
	"fmt"
	"net/http"
	"strings"
)

// Curl is one curl example of the seed page, as curl would send it.
type Curl struct {
	Method  string
	URL     string
	Headers [][2]string // in the order written; values as written ("$(uuidgen)" included)
	Body    string      // -d's data; "" when none
	HasBody bool
}

// Header is the first value of a header, by case-insensitive name.
func (c Curl) Header(name string) string {
	for _, h := range c.Headers {
		if strings.EqualFold(h[0], name) {
			return h[1]
		}
	}
	return ""
}

// CurlExamples reads every curl command of the seed page, in page order.
// It splits words as a POSIX shell does (quotes, backslash-newline
// continuations) but expands nothing: "$(uuidgen)" stays as written for the
// caller to substitute, and an unquoted "&" in a URL is part of the URL, as
// the page means it (a shell would cut the command there: quote the URL).
// It understands the options the page uses: -X, -H and -d.
func CurlExamples(seed string) ([]Curl, error) {
	var out []Curl
	rest := seed
	for {
		i := strings.Index(rest, "curl ")
		if i < 0 {
			return out, nil
		}
		if i > 0 && rest[i-1] != '\n' { // only a command at the start of a line
			rest = rest[i+len("curl "):]
			continue
		}
		words, n, err := shellWords(rest[i:])
		if err != nil {
			return nil, fmt.Errorf("curl example %d: %w", len(out)+1, err)
		}
		c, err := parseCurl(words)
		if err != nil {
			return nil, fmt.Errorf("curl example %d: %w", len(out)+1, err)
		}
		out = append(out, c)
		rest = rest[i+n:]
	}
}

// shellWords splits one command, up to its unquoted, uncontinued end of
// line, into words; n is how many bytes of s it took.
func shellWords(s string) (words []string, n int, err error) {
	var word strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, word.String())
			word.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '\n':
			flush()
			return words, i + 1, nil
		case ch == ' ' || ch == '\t':
			flush()
		case ch == '\\' && i+1 < len(s):
			i++
			if s[i] != '\n' { // backslash-newline: the command goes on
				word.WriteByte(s[i])
				inWord = true
			}
		case ch == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, 0, fmt.Errorf("unterminated single quote")
			}
			word.WriteString(s[i+1 : i+1+end])
			inWord = true
			i += end + 1
		case ch == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`\n", s[i+1]) >= 0 {
					i++
				}
				word.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, 0, fmt.Errorf("unterminated double quote")
			}
			inWord = true
		default:
			word.WriteByte(ch)
			inWord = true
		}
	}
	flush()
	return words, len(s), nil
}

func parseCurl(words []string) (Curl, error) {
	if len(words) == 0 || words[0] != "curl" {
		return Curl{}, fmt.Errorf("not a curl command: %q", words)
	}
	var c Curl
	for i := 1; i < len(words); i++ {
		w := words[i]
		arg := func() (string, error) {
			if i+1 >= len(words) {
				return "", fmt.Errorf("%s needs a value", w)
			}
			i++
			return words[i], nil
		}
		switch w {
		case "-X", "--request":
			v, err := arg()
			if err != nil {
				return Curl{}, err
			}
			c.Method = v
		case "-H", "--header":
			v, err := arg()
			if err != nil {
				return Curl{}, err
			}
			name, value, ok := strings.Cut(v, ":")
			if !ok {
				return Curl{}, fmt.Errorf("header %q has no colon", v)
			}
			c.Headers = append(c.Headers, [2]string{strings.TrimSpace(name), strings.TrimSpace(value)})
		case "-d", "--data":
			v, err := arg()
			if err != nil {
				return Curl{}, err
			}
			c.Body, c.HasBody = v, true
		default:
			if strings.HasPrefix(w, "-") {
				return Curl{}, fmt.Errorf("option %s: not one the page uses", w)
			}
			if c.URL != "" {
				return Curl{}, fmt.Errorf("two URLs: %s and %s", c.URL, w)
			}
			c.URL = w
		}
	}
	switch {
	case c.URL == "":
		return Curl{}, fmt.Errorf("no URL")
	case c.Method == "" && c.HasBody:
		c.Method = http.MethodPost // as curl does for -d
	case c.Method == "":
		c.Method = http.MethodGet
	}
	return c, nil
}
