package mockserver

import (
	"embed"
	"net/http"
	"strconv"

	"github.com/jobtobot/jtb/mockserver/core"
)

// The poster's dashboard at /: one page, its script and its style sheet,
// embedded, plain files with no build step, fetching nothing but the mock's
// own control API. It is served where the control API is (not with
// DisableControl) and holds no data itself: with a control token, every
// call it makes needs the token, which the page asks for (dashboard/app.js).
//
// Everything agents and posters send is shown as text (textContent, never
// markup), and the Content-Security-Policy below allows no inline script, no
// inline style and no other origin, so even a slip in the script could not
// run what an agent sent.

//go:embed dashboard/index.html dashboard/app.js dashboard/app.css
var dashboardFiles embed.FS

// dashboardCSP: only the page's own files, only its own origin to talk to.
const dashboardCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
	"img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

var dashboardAssets = map[string]struct{ file, contentType string }{
	"/":                   {"dashboard/index.html", "text/html; charset=utf-8"},
	"/_dashboard/app.js":  {"dashboard/app.js", "text/javascript; charset=utf-8"},
	"/_dashboard/app.css": {"dashboard/app.css", "text/css; charset=utf-8"},
}

// serveDashboard answers a request for one of the dashboard's files and
// reports whether it did; any other path is left to the 404.
func (m *Mock) serveDashboard(w http.ResponseWriter, r *http.Request) bool {
	asset, ok := dashboardAssets[r.URL.Path]
	if !ok || m.opts.DisableControl {
		return false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		rep := m.errorReply(core.CodeMethodNotAllowed, r.Method+" is not allowed here; allowed: GET, HEAD")
		rep.header = http.Header{"Allow": {"GET, HEAD"}}
		m.write(w, r, rep)
		return true
	}
	body, err := dashboardFiles.ReadFile(asset.file)
	if err != nil { // embedded: cannot happen
		m.write(w, r, m.errorReply(core.CodeInternal, "dashboard asset missing"))
		return true
	}
	h := w.Header()
	h.Set("Content-Type", asset.contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Content-Security-Policy", dashboardCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(body)
	}
	return true
}
