// Package schema holds the JSON Schema of a pipeline spec. It lives in a file of its
// own so editors can point at it (# yaml-language-server: $schema=...) and is embedded
// so the binary checks specs against the very same document and can print it.
package schema

import _ "embed"

// Pipeline is the JSON Schema (draft 2020-12) of a pipeline spec.
//
//go:embed pipeline.schema.json
var Pipeline []byte
