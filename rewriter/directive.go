package rewriter

import (
	"fmt"
	"go/parser"
	"strconv"
	"strings"
)

// Directive prefixes. A directive is a line comment that starts exactly with
// one of them (no space after //), like the go: directives. The markers
// around injected code are in marker.go.
const (
	spanPrefix   = "//trace:span"
	ignorePrefix = "//trace:ignore"
	tracePrefix  = "//trace:"
)

// directiveKind says what a directive asks for.
type directiveKind int

const (
	// kindSpan is //trace:span: instrument the function.
	kindSpan directiveKind = iota + 1
	// kindIgnore is //trace:ignore: the function is deliberately not instrumented.
	kindIgnore
)

// spanTag is one tag.KEY=EXPR option.
type spanTag struct {
	Key  string
	Expr string // Go expression source, as written
	// Offset is the byte offset of EXPR within the comment text, so that
	// errors found while type-checking it point at the right column.
	Offset int
}

// parsedDirective is a parsed //trace:span or //trace:ignore comment.
type parsedDirective struct {
	Kind    directiveKind
	Name    string // explicit operation name; "" means the default
	Follows bool
	Tags    []spanTag
	Reason  string // for //trace:ignore
}

// directiveError is a malformed directive; Offset is the byte offset within
// the comment text where the problem is.
type directiveError struct {
	Offset int
	Msg    string
}

func (e *directiveError) Error() string { return e.Msg }

// isDirective reports whether the comment text (with its //) is a trace
// directive or marker at all, i.e. starts with //trace:.
func isDirective(text string) bool { return strings.HasPrefix(text, tracePrefix) }

// spacedDirective returns the directive a comment such as "// trace:span"
// was meant to be (gofmt users put a space after //), or "".
func spacedDirective(text string) string {
	if !strings.HasPrefix(text, "//") || isDirective(text) {
		return ""
	}
	rest := strings.TrimLeft(text[2:], " \t")
	if len(rest) == len(text)-2 {
		return ""
	}
	for _, prefix := range []string{spanPrefix, ignorePrefix} {
		if hasWord("//"+rest, prefix) {
			return prefix
		}
	}
	return ""
}

// hasWord reports whether text is prefix, or prefix followed by a space or tab.
func hasWord(text, prefix string) bool {
	if !strings.HasPrefix(text, prefix) {
		return false
	}
	rest := text[len(prefix):]
	return rest == "" || rest[0] == ' ' || rest[0] == '\t'
}

// parseDirective parses one comment line (including its leading //). It
// returns (nil, nil) when the line is not a //trace:span or //trace:ignore
// directive; an unknown //trace: word is an error.
func parseDirective(text string) (*parsedDirective, error) {
	switch {
	case hasWord(text, spanPrefix):
		return parseSpan(text, len(spanPrefix))
	case hasWord(text, ignorePrefix):
		return &parsedDirective{Kind: kindIgnore, Reason: strings.TrimSpace(text[len(ignorePrefix):])}, nil
	case isMarker(text):
		return nil, nil
	case isDirective(text):
		word := text[len(tracePrefix):]
		if i := strings.IndexAny(word, " \t"); i >= 0 {
			word = word[:i]
		}
		return nil, &directiveError{Offset: 0, Msg: fmt.Sprintf("unknown directive //trace:%s (want //trace:span or //trace:ignore)", word)}
	}
	return nil, nil
}

func parseSpan(text string, start int) (*parsedDirective, error) {
	d := &parsedDirective{Kind: kindSpan}
	toks, err := tokenize(text, start)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, t := range toks {
		switch {
		case t.text[0] == '"' || t.text[0] == '`':
			if i != 0 {
				return nil, &directiveError{t.off, fmt.Sprintf("operation name %s must come first", t.text)}
			}
			name, err := strconv.Unquote(t.text)
			if err != nil {
				return nil, &directiveError{t.off, fmt.Sprintf("bad quoted operation name %s", t.text)}
			}
			if name == "" {
				return nil, &directiveError{t.off, "empty operation name"}
			}
			d.Name = name
		case t.text == "follows":
			if d.Follows {
				return nil, &directiveError{t.off, "duplicate option follows"}
			}
			d.Follows = true
		case strings.HasPrefix(t.text, "tag."):
			eq := strings.IndexByte(t.text, '=')
			if eq < 0 {
				return nil, &directiveError{t.off, fmt.Sprintf("option %s: want tag.KEY=EXPR", t.text)}
			}
			key, expr := t.text[len("tag."):eq], t.text[eq+1:]
			if key == "" || strings.ContainsAny(key, "\"`\\()[]{}") {
				return nil, &directiveError{t.off, fmt.Sprintf("option %s: bad tag key %q", t.text, key)}
			}
			if expr == "" {
				return nil, &directiveError{t.off + eq + 1, fmt.Sprintf("option %s: missing expression", t.text)}
			}
			if _, err := parser.ParseExpr(expr); err != nil {
				return nil, &directiveError{t.off + eq + 1, fmt.Sprintf("option %s: bad expression: %v", t.text, trimParseErr(err))}
			}
			if seen[key] {
				return nil, &directiveError{t.off, fmt.Sprintf("duplicate tag %q", key)}
			}
			seen[key] = true
			d.Tags = append(d.Tags, spanTag{Key: key, Expr: expr, Offset: t.off + eq + 1})
		case i == 0 && !strings.ContainsAny(t.text, "=\"`"):
			d.Name = t.text
		default:
			return nil, &directiveError{t.off, fmt.Sprintf("unknown option %q (want tag.KEY=EXPR or follows)", t.text)}
		}
	}
	return d, nil
}

// trimParseErr drops the "1:5: " position prefix of a go/parser error on a
// lone expression: the caller reports its own position.
func trimParseErr(err error) string {
	s := err.Error()
	if i := strings.Index(s, ": "); i >= 0 && strings.Count(s[:i], ":") == 1 {
		return s[i+2:]
	}
	return s
}

type token1 struct {
	text string
	off  int
}

// tokenize splits the directive arguments at spaces outside quotes and
// brackets, so that tag expressions such as f(a, "b c") stay whole.
func tokenize(text string, i int) ([]token1, error) {
	var toks []token1
	for {
		for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
			i++
		}
		if i >= len(text) {
			return toks, nil
		}
		start := i
		var stack []byte
		for i < len(text) {
			c := text[i]
			if len(stack) == 0 && (c == ' ' || c == '\t') {
				break
			}
			switch c {
			case '"', '`', '\'':
				j := i + 1
				for ; j < len(text); j++ {
					if text[j] == '\\' && c != '`' {
						j++
						continue
					}
					if text[j] == c {
						break
					}
				}
				if j >= len(text) {
					return nil, &directiveError{i, "unterminated quoted string"}
				}
				i = j
			case '(', '[', '{':
				stack = append(stack, c)
			case ')', ']', '}':
				open := map[byte]byte{')': '(', ']': '[', '}': '{'}[c]
				if len(stack) == 0 || stack[len(stack)-1] != open {
					return nil, &directiveError{i, fmt.Sprintf("unbalanced %q", c)}
				}
				stack = stack[:len(stack)-1]
			}
			i++
		}
		if len(stack) > 0 {
			return nil, &directiveError{start, fmt.Sprintf("unbalanced %q", stack[len(stack)-1])}
		}
		toks = append(toks, token1{text[start:i], start})
	}
}

// String formats d as a directive line that ParseDirective reads back as d.
func (d *parsedDirective) String() string {
	if d.Kind == kindIgnore {
		if d.Reason == "" {
			return ignorePrefix
		}
		return ignorePrefix + " " + d.Reason
	}
	var b strings.Builder
	b.WriteString(spanPrefix)
	if d.Name != "" {
		b.WriteString(" ")
		b.WriteString(strconv.Quote(d.Name))
	}
	if d.Follows {
		b.WriteString(" follows")
	}
	for _, t := range d.Tags {
		fmt.Fprintf(&b, " tag.%s=%s", t.Key, t.Expr)
	}
	return b.String()
}
