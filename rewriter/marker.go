package rewriter

import (
	"fmt"
	"go/ast"
	"go/token"
	"strconv"
	"strings"

	"github.com/dave/dst"

	"github.com/traceinject/traceinject/templates/inject"
)

// The marker grammar: everything that writes, reads or locates the comments
// around injected code.
//
// The injected statements open a function body, between two line comments:
//
//	//trace:begin [v=N] [params="..."] [results="..."] [body="oneline"] [head="..."]
//	...
//	//trace:end
//
// Attributes come in that order, separated by one space; every value but
// v's is a Go double-quoted string. A marker is well formed only as a block:
// the begin marker before the body's first statement, the end marker
// between two statements of the same body (or after its last one). Any
// other marker comment is user text (typed by hand, left by a merge) and an
// error, never a guide for removal.

const (
	beginPrefix = "//trace:begin"
	endMarker   = "//trace:end"
)

// isMarker reports whether text is an injected-code marker.
func isMarker(text string) bool { return isBegin(text) || isEnd(text) }

func isBegin(text string) bool { return hasWord(text, beginPrefix) }
func isEnd(text string) bool   { return text == endMarker }

// beginAttrs are the attributes of a //trace:begin marker: what -remove
// needs to restore the function as the user wrote it.
type beginAttrs struct {
	version         int // v=N, the shape version that wrote it; 0 before versions were recorded
	params, results string
	oneLine         bool // the body was written on one line
	// head is the text between the body's { and its first statement as
	// the user wrote it, recorded when the injected block could not simply
	// be inserted there (an empty body {}, a comment the first statement
	// shares its line with).
	head    string
	hasHead bool
}

// String renders a as a //trace:begin line that parseBegin reads back as a.
func (a beginAttrs) String() string {
	s := beginPrefix
	if a.version > 0 {
		s += " v=" + strconv.Itoa(a.version)
	}
	if a.params != "" {
		s += " params=" + strconv.Quote(a.params)
	}
	if a.results != "" {
		s += " results=" + strconv.Quote(a.results)
	}
	if a.oneLine {
		s += ` body="oneline"`
	}
	if a.hasHead {
		s += " head=" + strconv.Quote(a.head)
	}
	return s
}

// parseBegin reads the attributes of a //trace:begin marker. A marker of a
// newer shape version than this tool writes is an error: its code may have
// shapes this tool cannot recognise.
func parseBegin(text string) (a beginAttrs, err error) {
	if !isBegin(text) {
		return a, fmt.Errorf("malformed marker %q", text)
	}
	rest := strings.TrimSpace(text[len(beginPrefix):])
	for rest != "" {
		eq := strings.IndexByte(rest, '=')
		if eq < 0 {
			return a, fmt.Errorf("malformed marker %q", text)
		}
		key := rest[:eq]
		if key == "v" {
			num, tail, _ := strings.Cut(rest[eq+1:], " ")
			v, err := strconv.Atoi(num)
			if err != nil || v < 1 {
				return a, fmt.Errorf("malformed marker %q", text)
			}
			if v > inject.ShapeVersion {
				return a, fmt.Errorf("written by a newer traceinject (shape version %d; this one writes version %d): upgrade traceinject to change it", v, inject.ShapeVersion)
			}
			a.version = v
			rest = strings.TrimSpace(tail)
			continue
		}
		q, err := strconv.QuotedPrefix(rest[eq+1:])
		if err != nil {
			return a, fmt.Errorf("malformed marker %q", text)
		}
		v, _ := strconv.Unquote(q)
		switch key {
		case "params":
			a.params = v
		case "results":
			a.results = v
		case "body":
			a.oneLine = v == "oneline"
		case "head":
			a.head, a.hasHead = v, true
		default:
			return a, fmt.Errorf("malformed marker %q: unknown attribute %s", text, key)
		}
		rest = strings.TrimSpace(rest[eq+1+len(q):])
	}
	return a, nil
}

// withHead records head in the begin marker of text, printed source that
// holds one marker this tool rendered.
func withHead(text, head string) string {
	i := strings.Index(text, beginPrefix)
	if i < 0 {
		return text
	}
	j := strings.IndexByte(text[i:], '\n')
	if j < 0 {
		j = len(text) - i
	}
	a, err := parseBegin(text[i : i+j])
	if err != nil {
		panic(fmt.Sprintf("traceinject rendered a marker it cannot read: %v", err))
	}
	a.head, a.hasHead = head, true
	return text[:i] + a.String() + text[i+j:]
}

// Locating the block in dst: the begin marker sits in the decorations
// before the body's first statement, the end marker after a statement or
// before the next one.

func markerIndex(d dst.Decorations, pred func(string) bool) int {
	for i, s := range d {
		if pred(s) {
			return i
		}
	}
	return -1
}

func hasBegin(body *dst.BlockStmt) bool {
	return body != nil && len(body.List) > 0 && markerIndex(body.List[0].Decorations().Start, isBegin) >= 0
}

// cutBlock removes the injected block at the start of body, both markers
// included, and returns the begin marker's attributes and the block's
// statements. Comments the user had above the first statement of a body
// with none (kept in the body's opening decorations) print above the begin
// marker, and comments after the last statement of such a body print after
// the end marker: both stay in body. ok is false when body has no block.
func cutBlock(body *dst.BlockStmt) (attrs beginAttrs, block []dst.Stmt, ok bool, err error) {
	if !hasBegin(body) {
		return attrs, nil, false, nil
	}
	first := body.List[0]
	bi := markerIndex(first.Decorations().Start, isBegin)
	if attrs, err = parseBegin(first.Decorations().Start[bi]); err != nil {
		return attrs, nil, true, err
	}
	pre := append(dst.Decorations{}, first.Decorations().Start[:bi]...)
	first.Decorations().Start = first.Decorations().Start[bi+1:]
	var post dst.Decorations
	// The block ends at the statement carrying //trace:end, or before the
	// statement whose leading comments hold it.
	end := -1
	for j, s := range body.List {
		if k := markerIndex(s.Decorations().End, isEnd); k >= 0 {
			post = append(post, s.Decorations().End[k+1:]...)
			end = j
			break
		}
		if k := markerIndex(s.Decorations().Start, isEnd); k >= 0 && j > 0 {
			s.Decorations().Start = dropDecoration(s.Decorations().Start, k)
			end = j - 1
			break
		}
	}
	if end < 0 {
		return attrs, nil, true, fmt.Errorf("//trace:begin without //trace:end")
	}
	block = body.List[:end+1]
	body.List = body.List[end+1:]
	switch {
	case len(body.List) > 0:
		body.List[0].Decorations().Start = append(pre, body.List[0].Decorations().Start...)
	case len(pre)+len(post) > 0:
		body.Decs.Lbrace = append(append(dst.Decorations{"\n"}, pre...), post...)
	}
	return attrs, block, true, nil
}

// dropDecoration removes entry k and the line break that came with it.
func dropDecoration(d dst.Decorations, k int) dst.Decorations {
	out := append(dst.Decorations{}, d[:k]...)
	out = append(out, d[k+1:]...)
	if k > 0 && k-1 < len(out) && out[k-1] == "\n" {
		out = append(out[:k-1], out[k:]...)
	} else if k < len(out) && out[k] == "\n" {
		out = append(out[:k], out[k+1:]...)
	}
	return out
}

// Locating the block in go/ast, where comments are positions in the file.

// hasBeginMarker reports whether body starts with a //trace:begin marker.
func hasBeginMarker(f *ast.File, body *ast.BlockStmt) bool {
	if body == nil {
		return false
	}
	end := body.Rbrace
	if len(body.List) > 0 {
		end = body.List[0].Pos()
	}
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if c.Pos() > body.Lbrace && c.Pos() < end && isBegin(c.Text) {
				return true
			}
		}
	}
	return false
}

// markers finds the injected block of a body: from the line break before
// the //trace:begin comment to the end of the //trace:end comment, and the
// number of statements inside it. ok is false without a begin marker.
func (sd *side) markers(b *ast.BlockStmt) (from, to token.Pos, k int, ok bool) {
	first := b.Rbrace
	if len(b.List) > 0 {
		first = b.List[0].Pos()
	}
	var begin *ast.Comment
	for _, cg := range sd.f.Comments {
		for _, c := range cg.List {
			if begin == nil && c.Pos() > b.Lbrace && c.Pos() < first && isBegin(c.Text) {
				begin = c
			}
		}
	}
	if begin == nil {
		return 0, 0, 0, false
	}
	// The end marker lies between two statements of this body (or after
	// the last one), never inside one.
	for j := 0; j <= len(b.List); j++ {
		lo, hi := b.Lbrace, b.Rbrace
		if j > 0 {
			lo = b.List[j-1].End()
		}
		if j < len(b.List) {
			hi = b.List[j].Pos()
		}
		for _, cg := range sd.f.Comments {
			for _, c := range cg.List {
				if c.Pos() > begin.Pos() && c.Pos() >= lo && c.End() <= hi && isEnd(c.Text) {
					start := sd.off(begin.Pos())
					for start > 0 && (sd.src[start-1] == ' ' || sd.src[start-1] == '\t') {
						start--
					}
					if start > 0 && sd.src[start-1] == '\n' {
						start--
					}
					return sd.f.FileStart + token.Pos(start), c.End(), j, true
				}
			}
		}
	}
	return 0, 0, 0, false
}

// beginAttrs reads the begin marker of b's injected block; ok is false
// without a block or with a marker that does not parse.
func (sd *side) beginAttrs(b *ast.BlockStmt) (beginAttrs, bool) {
	from, to, _, ok := sd.markers(b)
	if !ok {
		return beginAttrs{}, false
	}
	for _, cg := range sd.f.Comments {
		for _, c := range cg.List {
			if c.Pos() >= from && c.End() <= to && isBegin(c.Text) {
				a, err := parseBegin(c.Text)
				return a, err == nil
			}
		}
	}
	return beginAttrs{}, false
}

// strayMarker finds a marker comment that is not the begin or end of a
// well-formed injected block: user text that must not drive removal.
func strayMarker(fset *token.FileSet, f *ast.File, src []byte) (token.Pos, string) {
	sd := &side{src: src, fset: fset, f: f}
	used := map[token.Pos]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if _, body := astFunc(n); body != nil {
			if from, to, _, ok := sd.markers(body); ok {
				first := true
				for _, cg := range f.Comments {
					for _, c := range cg.List {
						if c.Pos() >= from && c.End() <= to && isMarker(c.Text) && (first || c.End() == to) {
							used[c.Pos()] = true
							first = false
						}
					}
				}
			}
		}
		return true
	})
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if isMarker(c.Text) && !used[c.Pos()] {
				return c.Pos(), strings.Fields(c.Text)[0]
			}
		}
	}
	return token.NoPos, ""
}
