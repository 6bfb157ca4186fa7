package agentapi

// The client is generated from the repository's openapi.yaml; CI runs this
// again and fails when the committed file differs (.ci/steps/20-generated-client.sh).
//
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2 -config oapi-codegen.yaml ../../../openapi.yaml
