package spec

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

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
// masked in any text that shows them by accident: each Secret of a kind's config,
// and for a spec from Load every value that is secret anywhere in it (see
// collectSecrets).
func (s *Spec) Secrets() []string {
	out := slices.Clone(s.secrets)
	configs := []any{s.Source.Config}
	for _, k := range s.Sinks {
		configs = append(configs, k.Config)
	}
	for _, c := range configs {
		for _, v := range secretsOf(c) {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
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
	doc.eachScalar(func(n *node, key string) {
		if secretKeys[key] {
			add(n.Value)
		}
		add(redact.URLPasswords(n.Value)...)
	})
	if n, _ := doc.lookup("source", "credentials"); n != nil && n.Kind == scalarNode && n.Value != "" {
		add(redact.CredentialsFile(n.Value)...)
		if !filepath.IsAbs(n.Value) {
			add(redact.CredentialsFile(filepath.Join(filepath.Dir(doc.file), n.Value))...)
		}
	}
	return out
}

// secretKeyLine finds a secret key (secretKeys) and the text after it on a line: the
// key starts the line or follows "- ", "{" or ",", quoted or not. credentials is
// here too: the file it names holds keys (collectSecrets).
var secretKeyLine = regexp.MustCompile(`(?:^|[\s{,\[-])["']?(token|password|secret|api_key|secret_access_key|session_token|credentials)["']?[ \t]*:[ \t]+(.*)$`)

// blockIndicator is the value of a key whose text follows on the next lines (|, >-).
var blockIndicator = regexp.MustCompile(`^[|>][-+0-9]*$`)

// rawSecrets lists the secrets of a spec that does not parse, from its text: the
// diagnostic of a syntax error quotes the source line, which may hold a token. It is
// a line-by-line reading, so it takes what looks secret rather than what the tree
// would say: the value of every secret key (and of the variables it interpolates),
// the password of every URL once its variables are filled in, and the keys of a
// credentials file. Masking a little too much is harmless; showing a token is not.
func rawSecrets(file string, src []byte, lookupEnv func(string) (string, bool)) []string {
	var out []string
	add := func(vs ...string) {
		for _, v := range vs {
			if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	lines := strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	for i, line := range lines {
		if strings.Contains(line, "$") {
			expanded, _ := expand(line, lookupEnv)
			add(redact.URLPasswords(expanded)...)
		}
		add(redact.URLPasswords(line)...)
		// Every secret key of the line: a flow collection may hold several.
		for off := 0; off < len(line); {
			m := secretKeyLine.FindStringSubmatchIndex(line[off:])
			if m == nil {
				break
			}
			keyAt := off + m[2]
			key, rest := line[keyAt:off+m[3]], line[off+m[4]:off+m[5]]
			off += m[4]
			inFlow := strings.ContainsAny(line[:keyAt], "{[,")
			var values []string
			if blockIndicator.MatchString(strings.TrimSpace(rest)) {
				values = blockLines(lines[i+1:], keyAt)
			} else {
				values = scalarText(rest, inFlow)
			}
			for _, v := range values {
				if key == "credentials" {
					add(redact.CredentialsFile(v)...)
					if !filepath.IsAbs(v) {
						add(redact.CredentialsFile(filepath.Join(filepath.Dir(file), v))...)
					}
					continue
				}
				add(v)
				if strings.Contains(v, "$") {
					text, _ := expand(v, func(name string) (string, bool) {
						val, ok := lookupEnv(name)
						add(val)
						return val, ok
					})
					add(text)
				}
			}
		}
	}
	return out
}

// scalarText is the value a line's text after a key starts with: the text inside
// its quotes (and for double quotes that text unescaped too, as a message may show
// it), or plain text up to a comment, and in a flow collection up to the next , } or ].
func scalarText(rest string, inFlow bool) []string {
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return nil
	}
	if q := rest[0]; q == '"' || q == '\'' {
		for i := 1; i < len(rest); i++ {
			switch {
			case rest[i] == '\\' && q == '"':
				i++
			case rest[i] == q:
				if u, err := strconv.Unquote(rest[:i+1]); err == nil && q == '"' {
					return []string{rest[1:i], u}
				}
				return []string{rest[1:i]}
			}
		}
		return []string{rest[1:]} // an unclosed quote: the rest of the line
	}
	if i := strings.Index(rest, " #"); i >= 0 {
		rest = rest[:i]
	}
	if inFlow {
		if i := strings.IndexAny(rest, ",}]"); i >= 0 {
			rest = rest[:i]
		}
	}
	return []string{rest}
}

// blockLines are the lines of a block scalar: those after its key that are indented
// more than the key's column, each on its own and all of them joined.
func blockLines(lines []string, keyCol int) []string {
	var out []string
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if indentOf(l) <= keyCol {
			break
		}
		out = append(out, strings.TrimSpace(l))
	}
	if len(out) > 1 {
		out = append(out, strings.Join(out, "\n"), strings.Join(out, " "))
	}
	return out
}

func indentOf(line string) int { return len(line) - len(strings.TrimLeft(line, " \t")) }
