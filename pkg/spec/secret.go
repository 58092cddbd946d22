package spec

import "encoding/json"

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

// Secrets lists the secret values a spec holds, so that they can be masked in any
// text that quotes them by accident.
func (s *Spec) Secrets() []string {
	var out []string
	for _, k := range s.Sinks {
		if k.Token != "" {
			out = append(out, k.Token.Reveal())
		}
	}
	return out
}
