package mockserver

import (
	"net/http"
	"testing"
)

func TestSmokeListing(t *testing.T) {
	c := newClient(t, Options{})
	r := c.do(http.MethodGet, "/v1/tasks/available?limit=5", alphaKey, nil).want(t, 200, "")
	var page pageView
	r.data(t, &page)
	if len(page.Items) != 5 || !page.Pagination.HasMore || page.Pagination.TotalEstimate < 200 {
		t.Fatalf("page: %+v", page.Pagination)
	}
	c.do(http.MethodGet, "/v1/tasks/available", "", nil).want(t, 401, "UNAUTHORIZED")
}
