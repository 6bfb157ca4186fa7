package core

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
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
	return b64.EncodeToString([]byte(p)) + "." + b64.EncodeToString(s.cursorMAC([]byte(p)))
}

// cursorMAC signs a cursor payload (16 bytes of HMAC-SHA256). The HMAC
// states are pooled: setting one up per page was 5% of a listing.
func (s *Store) cursorMAC(p []byte) []byte {
	mac, _ := s.macs.Get().(hash.Hash)
	if mac == nil {
		mac = hmac.New(sha256.New, s.cursorKey)
	}
	mac.Reset()
	mac.Write(p)
	sum := mac.Sum(make([]byte, 0, sha256.Size))[:16]
	s.macs.Put(mac)
	return sum
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
	if !hmac.Equal(got, s.cursorMAC(p)) {
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
