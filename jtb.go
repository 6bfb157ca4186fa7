// Package jtb holds the JobToBot Agent API contract: the embedded OpenAPI
// documents (Agent API and control API), the clause catalogue, and the few
// helpers the mock and the suites share to load and route them.
package jtb

import (
	_ "embed"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/google/uuid"
)

// agentAPISpec is openapi.yaml: the Agent API contract.
//
//go:embed openapi.yaml
var agentAPISpec []byte

// controlAPISpec is control-api.yaml: the poster's side and the clock.
//
//go:embed control-api.yaml
var controlAPISpec []byte

// CatalogueSpec is catalogue.yaml: the clause catalogue.
//
//go:embed catalogue.yaml
var CatalogueSpec []byte

// AgentAPISpec returns the embedded openapi.yaml, for digests and reports.
func AgentAPISpec() []byte { return agentAPISpec }

// ControlAPISpec returns the embedded control-api.yaml.
func ControlAPISpec() []byte { return controlAPISpec }

// registerFormatsOnce guards kin-openapi's global format table, which is a
// plain map: registering once keeps concurrent validations race-free.
var registerFormatsOnce sync.Once

// RegisterFormats registers the string formats the documents use with
// kin-openapi. It is safe to call many times and from many goroutines; the
// loaders call it, so callers only need it when they build schemas by hand.
func RegisterFormats() {
	registerFormatsOnce.Do(func() {
		openapi3.DefineStringFormatValidator("uuid", openapi3.NewCallbackValidator(validateUUID))
	})
}

// validateUUID accepts only the lowercase canonical form, because the
// contract promises that form (docs/DECISIONS.md, "IDs").
func validateUUID(s string) error {
	id, err := uuid.Parse(s)
	if err != nil || id.String() != s {
		return fmt.Errorf("not a lowercase canonical UUID: %q", s)
	}
	return nil
}

// LoadAgentAPI returns a fresh, validated copy of the Agent API document with
// its servers cleared, so a router built from it matches any host.
func LoadAgentAPI() (*openapi3.T, error) {
	return load("openapi.yaml", agentAPISpec)
}

// LoadControlAPI returns a fresh, validated copy of the control API document
// with its servers cleared.
func LoadControlAPI() (*openapi3.T, error) {
	return load("control-api.yaml", controlAPISpec)
}

// NewAgentRouter returns a gorillamux router over the Agent API and the
// document it routes.
func NewAgentRouter() (routers.Router, *openapi3.T, error) {
	return newRouter(LoadAgentAPI)
}

// NewControlRouter returns a gorillamux router over the control API and the
// document it routes.
func NewControlRouter() (routers.Router, *openapi3.T, error) {
	return newRouter(LoadControlAPI)
}

func load(name string, data []byte) (*openapi3.T, error) {
	RegisterFormats()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("%s: load: %w", name, err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("%s: validate: %w", name, err)
	}
	doc.Servers = nil
	return doc, nil
}

func newRouter(loadDoc func() (*openapi3.T, error)) (routers.Router, *openapi3.T, error) {
	doc, err := loadDoc()
	if err != nil {
		return nil, nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("router: %w", err)
	}
	return router, doc, nil
}
