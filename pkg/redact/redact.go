// Package redact keeps secrets out of text that leaves the process: diagnostics
// and the source lines they quote, plans, stage errors (which often quote a cloud
// client's message), the run report and the logs. Secrets are never printed on
// purpose; this is the net under that rule. A value that is secret anywhere is
// masked everywhere.
package redact

import (
	"encoding/json"
	"html"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Mask replaces a secret in text.
const Mask = "(secret)"

// minLength keeps short values (a "1", a "us") from masking ordinary words.
const minLength = 6

// envSecrets name the environment variables whose values are credentials.
var envSecrets = []string{
	"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID",
	"MOTHERDUCK_TOKEN", "motherduck_token", "GOOGLE_OAUTH_ACCESS_TOKEN",
	"OPENLINEAGE_API_KEY",
}

// credentialsEnv names a Google credentials file, whose keys are secrets.
const credentialsEnv = "GOOGLE_APPLICATION_CREDENTIALS"

// urlPassword finds the password of a URL's userinfo, scheme://user:PASSWORD@host.
var urlPassword = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:([^/\s@]+)@`)

// Redactor masks a fixed set of secrets, and any URL's password.
type Redactor struct {
	secrets []string
	// quoted match each secret as a format may have escaped it (quotedForm).
	quoted []*regexp.Regexp
}

// New masks the given secrets and those of the environment: the well-known
// credential variables and the keys of the Google credentials file. Each secret
// is also masked as JSON and HTML would quote it, so a report shows none.
func New(secrets ...string) *Redactor {
	for _, name := range envSecrets {
		secrets = append(secrets, os.Getenv(name))
	}
	secrets = append(secrets, CredentialsFile(os.Getenv(credentialsEnv))...)
	seen := map[string]bool{}
	r := &Redactor{}
	for _, s := range secrets {
		if len(s) < minLength {
			continue
		}
		j, _ := json.Marshal(s)
		for _, v := range []string{s, string(j[1 : len(j)-1]), html.EscapeString(s)} {
			if !seen[v] {
				seen[v] = true
				r.secrets = append(r.secrets, v)
			}
		}
		if q := quotedForm(s); q != nil && !seen["\x00"+s] {
			seen["\x00"+s] = true
			r.quoted = append(r.quoted, q)
		}
	}
	// Longest first: a secret inside another must not leave the rest of it showing.
	slices.SortStableFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
	return r
}

// entities are the ways HTML, Mermaid and Go's JSON write a character.
var entities = map[rune][]string{
	'&': {"&amp;", `\u0026`}, '<': {"&lt;", `\u003c`}, '>': {"&gt;", `\u003e`},
	'"': {"&quot;", "&#34;", "#quot;"}, '\'': {"&#39;", "&#x27;"},
	'\n': {" ", `\n`, "\r\n", "<br>"}, '\r': {" ", `\r`}, '\t': {`\t`},
}

// quotedForm matches a secret as a renderer may have escaped it on the way out:
// a backslash before any punctuation (Markdown cells and text, DOT and JSON
// strings, a pipe in a GitHub table), an entity for a character HTML or Mermaid
// escapes, a space for a line break. Masking the output, not each renderer's
// input, keeps the net in one place, whatever escaping a renderer chose, even
// one that depends on the characters around the secret (Markdown's underscore).
// Nil when the secret has nothing a renderer would escape.
func quotedForm(s string) *regexp.Regexp {
	var b strings.Builder
	special := false
	for _, c := range s {
		alts := entities[c]
		punct := c < utf8.RuneSelf && strings.ContainsRune("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c)
		if !punct && alts == nil {
			b.WriteString(regexp.QuoteMeta(string(c)))
			continue
		}
		special = true
		b.WriteString("(?:")
		if punct {
			b.WriteString(`\\?`)
		}
		b.WriteString(regexp.QuoteMeta(string(c)))
		for _, a := range alts {
			b.WriteString("|" + regexp.QuoteMeta(a))
		}
		b.WriteString(")")
	}
	if !special {
		return nil
	}
	return regexp.MustCompile(b.String())
}

// CredentialsFile returns the secret values of a Google credentials file (a
// service account's private key and its id, an OAuth client's secret and refresh
// token), each line of the key too: an error may quote a part of it. A file that
// cannot be read or is not such JSON gives none.
func CredentialsFile(path string) []string {
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil
	}
	var keys map[string]any
	if json.Unmarshal(b, &keys) != nil {
		return nil
	}
	var out []string
	for _, k := range []string{"private_key", "private_key_id", "client_secret", "refresh_token"} {
		v, _ := keys[k].(string)
		if v == "" {
			continue
		}
		out = append(out, v)
		for _, line := range strings.Split(v, "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "-----") {
				out = append(out, line)
			}
		}
	}
	return out
}

// URLPasswords returns the passwords of the URLs in s (scheme://user:password@host).
func URLPasswords(s string) []string {
	var out []string
	for _, m := range urlPassword.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// String masks every secret in s.
func (r *Redactor) String(s string) string {
	out, _ := r.mask(s, -1)
	return out
}

// Line masks a source line and says where column col (1-based, in runes) is in
// the masked line, so a caret still points at the same place; a column inside a
// secret points at its mask.
func (r *Redactor) Line(line string, col int) (string, int) {
	at := -1
	if col > 0 {
		at = len(line)
		for i := range line {
			if col--; col == 0 {
				at = i
				break
			}
		}
	}
	out, at := r.mask(line, at)
	if at < 0 {
		return out, 0
	}
	return out, utf8.RuneCountInString(out[:at]) + 1
}

// mask masks s and maps byte offset at (when >= 0) to its place in the result.
func (r *Redactor) mask(s string, at int) (string, int) {
	type span struct{ from, to int }
	var spans []span
	for _, secret := range r.secrets {
		for i := 0; ; {
			j := strings.Index(s[i:], secret)
			if j < 0 {
				break
			}
			spans = append(spans, span{i + j, i + j + len(secret)})
			i += j + len(secret)
		}
	}
	for _, q := range r.quoted {
		for _, m := range q.FindAllStringIndex(s, -1) {
			spans = append(spans, span{m[0], m[1]})
		}
	}
	for _, m := range urlPassword.FindAllStringSubmatchIndex(s, -1) {
		spans = append(spans, span{m[2], m[3]})
	}
	if len(spans) == 0 {
		return s, at
	}
	slices.SortFunc(spans, func(a, b span) int { return a.from - b.from })
	merged := spans[:1]
	for _, sp := range spans[1:] {
		if last := &merged[len(merged)-1]; sp.from < last.to {
			last.to = max(last.to, sp.to)
			continue
		}
		merged = append(merged, sp)
	}
	var b strings.Builder
	newAt, prev := -1, 0
	for _, sp := range merged {
		if at >= prev && at < sp.from {
			newAt = b.Len() + at - prev
		}
		b.WriteString(s[prev:sp.from])
		if at >= sp.from && at < sp.to {
			newAt = b.Len()
		}
		b.WriteString(Mask)
		prev = sp.to
	}
	if at >= prev {
		newAt = b.Len() + at - prev
	}
	b.WriteString(s[prev:])
	return b.String(), newAt
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

// Writer masks what is written to w, a Write at a time: for writers that get
// whole lines (log records), where a secret never spans two writes.
func (r *Redactor) Writer(w io.Writer) io.Writer { return &writer{r: r, w: w} }

type writer struct {
	r *Redactor
	w io.Writer
}

func (w *writer) Write(p []byte) (int, error) {
	masked := w.r.String(string(p))
	if masked == string(p) {
		return w.w.Write(p)
	}
	if _, err := io.WriteString(w.w, masked); err != nil {
		return 0, err
	}
	return len(p), nil
}
