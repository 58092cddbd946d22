package spec

import (
	"reflect"
	"slices"
	"testing"
)

// testConfig is a kind's config as a registration declares one.
type testConfig struct {
	URL    string   `json:"url" schema:"required,minLength=1" example:"s3://x/" doc:"where"`
	Format string   `json:"format,omitempty" schema:"enum=a|b" default:"a" doc:"which"`
	Parts  int      `json:"parts,omitempty" schema:"minimum=0" default:"4" doc:"how many"`
	Scale  float64  `json:"scale,omitempty" default:"0.5" doc:"how much"`
	Cols   []string `json:"cols,omitempty" schema:"items=identifier" doc:"which columns"`
	Token  Secret   `json:"token,omitempty" doc:"a credential"`
}

// decodeConfig decodes a block strictly on its own, whatever the schema said:
// a key the config lacks is refused at the key, a value of the wrong type at the
// value, with the nearest key suggested; the rest is decoded, the defaults filled.
func TestDecodeConfigIsStrict(t *testing.T) {
	doc, diags := parse("t.yaml", []byte("sink:\n  kind: t\n  url: s3://x/\n  parts: many\n  fromat: b\n"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	v, _ := toValue(doc)
	k := Kind{Name: "t", config: reflect.TypeFor[testConfig]()}
	cfg, diags := decodeConfig(doc, []any{"sink"}, "sink", k, v.(map[string]any)["sink"], []string{"kind"})
	got := short(diags.Sort())
	want := []string{`4:10: parts: got string, want int`, `5:3: unknown key "fromat" in sink of kind t (did you mean "format"?)`}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	c := cfg.(*testConfig)
	if c.URL != "s3://x/" || c.Format != "a" || c.Parts != 4 || c.Scale != 0.5 {
		t.Errorf("decoded %+v, want the url and the defaults", c)
	}
	if s := secretsOf(&testConfig{Token: "t0k"}); !slices.Equal(s, []string{"t0k"}) {
		t.Errorf("secrets %q, want the token", s)
	}
}

// A config struct whose tags do not read is refused at registration.
func TestCheckFieldsRefusesBadTags(t *testing.T) {
	for _, cfg := range []any{
		struct{ A string }{}, // no json key
		struct {
			A string `json:"a"`
		}{}, // no doc
		struct {
			A string `json:"a" doc:"x" schema:"required"`
		}{}, // required without an example
		struct {
			A string `json:"a" doc:"x" schema:"maxLen=3"`
		}{}, // unknown rule
		struct {
			A int `json:"a" doc:"x" default:"many"`
		}{}, // default of the wrong type
		struct {
			A map[string]int `json:"a" doc:"x"`
		}{}, // no JSON Schema type
	} {
		if err := checkFields(reflect.TypeOf(cfg)); err == nil {
			t.Errorf("%T: accepted", cfg)
		}
	}
	if err := checkFields(reflect.TypeFor[testConfig]()); err != nil {
		t.Error(err)
	}
}
