package spec

import (
	"encoding/json"
	"path/filepath"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/ecomrun/ecomrun/pkg/redact"
)

// Secret holds a credential from a spec (usually interpolated from the
// environment). It prints, formats and marshals as a mask, so a plan, a report or
// an error that includes a spec never shows the value; Reveal gives it to the one
// caller that must use it.
type Secret string

const mask = "(secret)"

// Reveal returns the value itself.
func (s Secret) Reveal() string { return string(s) }

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return mask
}

// GoString keeps %#v from showing the value.
func (s Secret) GoString() string { return s.String() }

// MarshalJSON writes the mask, never the value.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads the value: the decoder fills a Spec through JSON.
func (s *Secret) UnmarshalJSON(b []byte) error {
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = Secret(v)
	return nil
}

// Secrets lists the secret values a spec holds or quotes, so that they can be
// masked in any text that shows them by accident: each token, and for a spec from
// Load every value that is secret anywhere in it (see collectSecrets).
func (s *Spec) Secrets() []string {
	out := slices.Clone(s.secrets)
	for _, k := range s.Sinks {
		if k.Token != "" && !slices.Contains(out, k.Token.Reveal()) {
			out = append(out, k.Token.Reveal())
		}
	}
	return out
}

// secretKeys are the keys whose values are credentials wherever they are written:
// a misspelled or misplaced one is reported as unknown, and is a secret still.
var secretKeys = map[string]bool{
	"token": true, "password": true, "secret": true, "api_key": true,
	"secret_access_key": true, "session_token": true,
}

// collectSecrets lists what is secret in a spec's interpolated tree: the value of
// every secret key, the value of every variable interpolated into one (vars), the
// password of every URL, and the keys of the credentials file the source names.
// A value that is secret in one place is then masked wherever else it appears.
func collectSecrets(doc *document, vars []string, lookupEnv func(string) (string, bool)) []string {
	var out []string
	add := func(vs ...string) {
		for _, v := range vs {
			if v != "" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	for _, name := range vars {
		v, _ := lookupEnv(name)
		add(v)
	}
	doc.eachScalar(func(n *yaml.Node, key string) {
		if secretKeys[key] {
			add(n.Value)
		}
		add(redact.URLPasswords(n.Value)...)
	})
	if n, _ := doc.lookup("source", "credentials"); n != nil && n.Kind == yaml.ScalarNode && n.Value != "" {
		add(redact.CredentialsFile(n.Value)...)
		if !filepath.IsAbs(n.Value) {
			add(redact.CredentialsFile(filepath.Join(filepath.Dir(doc.file), n.Value))...)
		}
	}
	return out
}
