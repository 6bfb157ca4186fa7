// Package hartest validates HAR files in tests, against the HAR 1.2 JSON
// Schemas of the npm package har-schema 2.0.0 (har-schema/, unchanged): a
// schema we did not write, so our writer cannot agree with itself only.
package hartest

import (
	"bytes"
	"embed"
	"fmt"
	"path"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed har-schema/*.json
var schemas embed.FS

// base is where the schemas' relative $ids resolve.
const base = "https://har-schema.invalid/"

// Compile compiles the HAR schema, formats asserted (date-time, uri, ...).
func Compile() (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	files, err := schemas.ReadDir("har-schema")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := schemas.ReadFile(path.Join("har-schema", f.Name()))
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name(), err)
		}
		if err := c.AddResource(base+f.Name(), doc); err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name(), err)
		}
	}
	return c.Compile(base + "har.json")
}

// Validate checks a HAR document against the schema.
func Validate(data []byte) error {
	s, err := Compile()
	if err != nil {
		return fmt.Errorf("compiling the HAR schema: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("the HAR is not JSON: %w", err)
	}
	return s.Validate(doc)
}
