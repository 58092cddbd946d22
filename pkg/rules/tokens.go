package rules

import (
	"fmt"
	"unicode"
)

type tokKind int

const (
	tokWord        tokKind = iota // identifier or keyword
	tokQuotedIdent                // "name"
	tokString                     // 'text'
	tokNumber
	tokOperator // = <> != < <= > >= + - * / % || ::
	tokPunct    // ( ) , ; [ ] . and anything else
)

type token struct {
	kind tokKind
	text string
	pos  int
}

// tokenize splits SQL expression text into tokens. Comments are refused: there is no
// reason for one in a rule, and they are a classic way to hide what follows.
func tokenize(s string) ([]token, error) {
	var toks []token
	r := []rune(s)
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '-' && i+1 < len(r) && r[i+1] == '-', c == '/' && i+1 < len(r) && r[i+1] == '*':
			return nil, fmt.Errorf("comment at offset %d: comments are not allowed in an expression", i)
		case c == '\'' || c == '"':
			j, text, err := quoted(r, i)
			if err != nil {
				return nil, err
			}
			kind := tokString
			if c == '"' {
				kind = tokQuotedIdent
			}
			toks = append(toks, token{kind, text, i})
			i = j
		case unicode.IsLetter(c) || c == '_':
			j := i
			for j < len(r) && (unicode.IsLetter(r[j]) || unicode.IsDigit(r[j]) || r[j] == '_') {
				j++
			}
			toks = append(toks, token{tokWord, string(r[i:j]), i})
			i = j
		case unicode.IsDigit(c) || c == '.' && i+1 < len(r) && unicode.IsDigit(r[i+1]):
			j := i
			for j < len(r) && (unicode.IsDigit(r[j]) || r[j] == '.' || r[j] == 'e' || r[j] == 'E' || r[j] == '_') {
				j++
			}
			toks = append(toks, token{tokNumber, string(r[i:j]), i})
			i = j
		case c == '$' || c == '?':
			return nil, fmt.Errorf("parameter %q at offset %d: an expression takes no parameters", c, i)
		default:
			j := i + 1
			if j < len(r) && isOperatorPair(c, r[j]) {
				j++
			}
			kind := tokPunct
			if isOperator(c) {
				kind = tokOperator
			}
			toks = append(toks, token{kind, string(r[i:j]), i})
			i = j
		}
	}
	return toks, nil
}

// quoted reads a quoted string or identifier starting at r[i]; a doubled quote is
// an escaped one. It returns the index after the closing quote and the content.
func quoted(r []rune, i int) (int, string, error) {
	q := r[i]
	var text []rune
	for j := i + 1; j < len(r); j++ {
		if r[j] != q {
			text = append(text, r[j])
			continue
		}
		if j+1 < len(r) && r[j+1] == q {
			text = append(text, q)
			j++
			continue
		}
		return j + 1, string(text), nil
	}
	return 0, "", fmt.Errorf("unterminated %c at offset %d", q, i)
}

func isOperator(c rune) bool {
	switch c {
	case '=', '<', '>', '!', '+', '-', '*', '/', '%', '|', ':', '~', '^', '&':
		return true
	}
	return false
}

func isOperatorPair(a, b rune) bool {
	switch string([]rune{a, b}) {
	case "<=", ">=", "<>", "!=", "||", "::", "==", "!~", "~~":
		return true
	}
	return false
}
