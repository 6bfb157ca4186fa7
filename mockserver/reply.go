package mockserver

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/jobtobot/jtb/mockserver/core"
	"github.com/jobtobot/jtb/mockserver/defect"
)

// The envelope: every answer of either API is a reply, written by write.

// reply is an answer before it is written, so idempotency can store it.
type reply struct {
	status      int
	body        []byte
	header      http.Header
	contentType string  // "": application/json
	page        *[]byte // a pooled buffer holding body (the listing), see itemCache.release
}

// statusOf is the one table of error code → HTTP status.
var statusOf = map[core.Code]int{
	core.CodeBadRequest:       http.StatusBadRequest,
	core.CodeUnauthorized:     http.StatusUnauthorized,
	core.CodeForbidden:        http.StatusForbidden,
	core.CodeNotFound:         http.StatusNotFound,
	core.CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	core.CodeConflict:         http.StatusConflict,
	core.CodeKeyInUse:         http.StatusConflict,
	core.CodeTooLarge:         http.StatusRequestEntityTooLarge,
	core.CodeKeyReused:        http.StatusUnprocessableEntity,
	core.CodeInternal:         http.StatusInternalServerError,
}

type errorBody struct {
	OK    *bool     `json:"ok,omitempty"`
	Error errorInfo `json:"error"`
}

type errorInfo struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type dataBody struct {
	OK   bool `json:"ok"`
	Data any  `json:"data"`
}

func (m *Mock) errorReply(code core.Code, message string) reply {
	status, ok := statusOf[code]
	if !ok {
		status, code = http.StatusInternalServerError, core.CodeInternal
	}
	text := string(code)
	if m.defects.Has(defect.ErrorCodeLowercase) {
		text = strings.ToLower(text)
	}
	body := errorBody{Error: errorInfo{Code: text, Message: message}}
	if !m.defects.Has(defect.EnvelopeNoOK) {
		body.OK = new(bool)
	}
	data, _ := json.Marshal(body)
	rep := reply{status: status, body: data}
	if code == core.CodeUnauthorized && !m.defects.Has(defect.AuthNoWWWAuthenticate) {
		rep.header = http.Header{"Www-Authenticate": {`Bearer realm="jobtobot"`}}
	}
	return rep
}

// fail maps an error from the core; anything else is a bug (500).
func (m *Mock) fail(err error) reply {
	var e *core.Error
	if errors.As(err, &e) {
		return m.errorReply(e.Code, e.Message)
	}
	return m.errorReply(core.CodeInternal, "internal error")
}

func (m *Mock) dataReply(status int, data any) reply {
	body, err := json.Marshal(dataBody{OK: true, Data: data})
	if err != nil {
		return m.errorReply(core.CodeInternal, "encoding the answer failed")
	}
	return reply{status: status, body: body}
}

func (m *Mock) write(w http.ResponseWriter, _ *http.Request, rep reply) {
	h := w.Header()
	for k, v := range rep.header {
		h[k] = v
	}
	ct := rep.contentType
	if ct == "" {
		ct = "application/json"
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(rep.body)))
	w.WriteHeader(rep.status)
	w.Write(rep.body)
}
