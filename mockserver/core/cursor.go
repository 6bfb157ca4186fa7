package core

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// cursor names the last item of a page (keyset) and the filter it was made
// for. It travels as base64url(payload) "." base64url(hmac) so a tampered,
// truncated or foreign cursor is refused.
type cursor struct {
	category string
	at       time.Time
	id       string
	offset   int // only with the pag-offset-cursor defect
}

const (
	cursorKeyset = "k"
	cursorOffset = "o"
)

var b64 = base64.RawURLEncoding

func (s *Store) encodeCursor(kind string, c cursor) string {
	var p string
	if kind == cursorOffset {
		p = kind + "\x00" + c.category + "\x00" + strconv.Itoa(c.offset)
	} else {
		p = kind + "\x00" + c.category + "\x00" + strconv.FormatInt(c.at.UnixNano(), 10) + "\x00" + c.id
	}
	mac := hmac.New(sha256.New, s.cursorKey)
	mac.Write([]byte(p))
	return b64.EncodeToString([]byte(p)) + "." + b64.EncodeToString(mac.Sum(nil)[:16])
}

func (s *Store) decodeCursor(raw string) (kind string, c cursor, ok bool) {
	enc, sig, found := strings.Cut(raw, ".")
	if !found {
		return "", c, false
	}
	p, err1 := b64.DecodeString(enc)
	got, err2 := b64.DecodeString(sig)
	if err1 != nil || err2 != nil {
		return "", c, false
	}
	mac := hmac.New(sha256.New, s.cursorKey)
	mac.Write(p)
	if !hmac.Equal(got, mac.Sum(nil)[:16]) {
		return "", c, false
	}
	parts := strings.Split(string(p), "\x00")
	switch {
	case len(parts) == 3 && parts[0] == cursorOffset:
		n, err := strconv.Atoi(parts[2])
		if err != nil || n < 0 {
			return "", c, false
		}
		return cursorOffset, cursor{category: parts[1], offset: n}, true
	case len(parts) >= 4 && parts[0] == cursorKeyset:
		id := parts[len(parts)-1]
		ns, err := strconv.ParseInt(parts[len(parts)-2], 10, 64)
		if err != nil {
			return "", c, false
		}
		cat := strings.Join(parts[1:len(parts)-2], "\x00")
		return cursorKeyset, cursor{category: cat, at: time.Unix(0, ns).UTC(), id: id}, true
	}
	return "", c, false
}
