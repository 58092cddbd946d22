// Package redact keeps secrets out of text that leaves the process: stage errors
// (which often quote a cloud client's message), the run report and the logs.
// Secrets are never printed on purpose; this is the net under that rule.
package redact

import (
	"os"
	"strings"
)

// Mask replaces a secret in text.
const Mask = "(secret)"

// minLength keeps short values (a "1", a "us") from masking ordinary words.
const minLength = 6

// envSecrets name the environment variables whose values are credentials.
var envSecrets = []string{
	"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID",
	"MOTHERDUCK_TOKEN", "motherduck_token", "GOOGLE_OAUTH_ACCESS_TOKEN",
}

// Redactor masks a fixed set of secrets.
type Redactor struct{ secrets []string }

// New masks the given secrets and those of the environment.
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	for _, name := range envSecrets {
		secrets = append(secrets, os.Getenv(name))
	}
	for _, s := range secrets {
		if len(s) >= minLength {
			r.secrets = append(r.secrets, s)
		}
	}
	return r
}

// String masks every secret in s.
func (r *Redactor) String(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, Mask)
	}
	return s
}

// Error masks err's message and keeps its chain, so errors.Is still sees a
// cancellation under it.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := r.String(err.Error())
	if msg == err.Error() {
		return err
	}
	return &redacted{msg: msg, err: err}
}

type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }
