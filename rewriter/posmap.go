package rewriter

import (
	"go/scanner"
	"go/token"
	"sort"
	"sync"
)

// posMap maps offsets between a text and the result of editing it (the
// current file and its stripped form; the stripped file and its rendered
// form), for positions the tool reports or compares: errors found in
// stripped code, directives, function names, references, statements.
//
// A text is edited in passes (the splice, then each import edit), each a
// list of replacements. Outside replaced text an offset only shifts. Inside
// a replacement, the tokens of the new text are aligned with the tokens of
// the text it replaces (a longest common subsequence; comments are tokens,
// so a directive is one), and a token found on both sides maps exactly, as
// does every offset within it. Between two aligned tokens, as many tokens
// on one side as on the other are paired in order: a token the edit
// rewrote (http.NewRequest for http.NewRequestWithContext, a parameter's
// recorded name for the one the tool gave it) maps to the start of the
// token it replaces. Injected blocks (from //trace:begin through
// //trace:end) of the replaced text take no part: stripping takes them out,
// so no token of the result comes from them, even where the injected code
// spells the same identifier as the user's. Only a token that the edit
// itself wrote (a restored name, a recorded signature that differs from the
// current one) maps to the start of its replacement.
//
// A replacement's alignment is computed the first time an offset inside it
// is mapped, so a file whose positions all lie outside replaced text costs
// nothing more than the shifts.
type posMap struct {
	passes []*mapPass
}

// mapPass is one pass of edits over in.
type mapPass struct {
	in    []byte
	edits []textEdit // sorted by from, as applyEdits leaves them
	mu    sync.Mutex
	align [][]anchor // per edit, by out
	done  []bool     // per edit: align computed
}

// anchor is a token of an edit's new text, text[out:out+n], aligned with
// one of the text it replaces, in[from:from+m]: the same token (n == m), or
// the one it took the place of.
type anchor struct{ out, from, n, m int }

// add records a pass of edits applied to in.
func (m *posMap) add(in []byte, edits []textEdit) {
	if len(edits) > 0 {
		m.passes = append(m.passes, &mapPass{in: in, edits: edits})
	}
}

// back maps an offset in the result to the offset in the original text it
// came from. A nil map is the identity.
func (m *posMap) back(off int) int {
	if m == nil {
		return off
	}
	for i := len(m.passes) - 1; i >= 0; i-- {
		off = m.passes[i].back(off)
	}
	return off
}

// forward maps an offset in the original text to the result. end says
// whether off ends a stretch (a node's End) rather than starts one: text
// inserted exactly at off then lies outside the stretch, and text that
// replaces what ends at off lies inside it.
func (m *posMap) forward(off int, end bool) int {
	if m == nil {
		return off
	}
	for _, p := range m.passes {
		off = p.forward(off, end)
	}
	return off
}

func (p *mapPass) back(off int) int {
	delta := 0
	for i, e := range p.edits {
		start := e.from + delta
		if off < start {
			break
		}
		if off < start+len(e.text) {
			rel := off - start
			if a, ok := p.anchorAt(i, rel, func(a anchor) (int, int) { return a.out, a.n }); ok {
				return a.from + min(rel-a.out, a.m-1)
			}
			return e.from
		}
		delta += len(e.text) - (e.to - e.from)
	}
	return off - delta
}

func (p *mapPass) forward(off int, end bool) int {
	delta := 0
	for i, e := range p.edits {
		// Past the edit: shifted by it.
		if e.to < off || e.to == off && (e.from < off || !end) {
			delta += len(e.text) - (e.to - e.from)
			continue
		}
		// Before it, or at its start.
		if off < e.from || off == e.from && (end || e.from < e.to) {
			break
		}
		// Inside replaced text.
		start := e.from + delta
		if a, ok := p.anchorAt(i, off, func(a anchor) (int, int) { return a.from, a.m }); ok {
			return start + a.out + min(off-a.from, a.n-1)
		}
		if end {
			return start + len(e.text)
		}
		return start
	}
	return off + delta
}

// anchorAt returns the anchor of edit i whose token holds x; key gives an
// anchor's offset and length on the side x is on.
func (p *mapPass) anchorAt(i, x int, key func(anchor) (int, int)) (anchor, bool) {
	as := p.aligned(i)
	j := sort.Search(len(as), func(j int) bool { off, _ := key(as[j]); return off > x }) - 1
	if j < 0 {
		return anchor{}, false
	}
	if off, n := key(as[j]); x < off+max(n, 1) {
		return as[j], true
	}
	return anchor{}, false
}

// aligned returns the anchors of edit i, computing them the first time.
func (p *mapPass) aligned(i int) []anchor {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done == nil {
		p.align, p.done = make([][]anchor, len(p.edits)), make([]bool, len(p.edits))
	}
	if !p.done[i] {
		e := p.edits[i]
		p.align[i], p.done[i] = alignTokens([]byte(e.text), p.in[e.from:e.to], e.from), true
	}
	return p.align[i]
}

// tok is a token of a stretch of source: its text and offset.
type tok struct {
	off  int
	text string
}

// sourceTokens lists the tokens of src, comments included, automatic
// semicolons and the tokens of injected blocks left out.
func sourceTokens(src []byte) []tok {
	var s scanner.Scanner
	file := token.NewFileSet().AddFile("", -1, len(src))
	s.Init(file, src, func(token.Position, string) {}, scanner.ScanComments)
	var out []tok
	injected := false
	for {
		pos, t, lit := s.Scan()
		if t == token.EOF {
			return out
		}
		if t == token.SEMICOLON && lit != ";" {
			continue
		}
		off := file.Offset(pos)
		text := lit
		if text == "" || t == token.SEMICOLON {
			text = t.String()
		}
		if off+len(text) > len(src) || string(src[off:off+len(text)]) != text {
			continue // not spelled as scanned (a raw string with \r)
		}
		if t == token.COMMENT && isBegin(text) {
			injected = true
		}
		if !injected {
			out = append(out, tok{off, text})
		}
		if t == token.COMMENT && isEnd(text) {
			injected = false
		}
	}
}

// maxAlign bounds the table of one alignment (tokens × tokens); a larger
// replacement keeps its common prefix and suffix only.
const maxAlign = 1 << 22

// alignTokens aligns the tokens of text, an edit's new text, with those of
// old, the text it replaces, which starts at offset base of its file.
func alignTokens(text, old []byte, base int) []anchor {
	a, b := sourceTokens(text), sourceTokens(old)
	// pairs are the aligned indices, in order.
	var pairs [][2]int
	lo := 0
	for lo < len(a) && lo < len(b) && a[lo].text == b[lo].text {
		pairs = append(pairs, [2]int{lo, lo})
		lo++
	}
	ha, hb := len(a), len(b)
	var tail [][2]int
	for ha > lo && hb > lo && a[ha-1].text == b[hb-1].text {
		ha, hb = ha-1, hb-1
		tail = append(tail, [2]int{ha, hb})
	}
	n, m := ha-lo, hb-lo
	if n > 0 && m > 0 && n*m <= maxAlign {
		// lcs[i*w+j]: the longest common subsequence of a[lo+i:ha] and
		// b[lo+j:hb].
		w := m + 1
		lcs := make([]int32, (n+1)*w)
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				switch {
				case a[lo+i].text == b[lo+j].text:
					lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
				case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
					lcs[i*w+j] = lcs[(i+1)*w+j]
				default:
					lcs[i*w+j] = lcs[i*w+j+1]
				}
			}
		}
		for i, j := 0, 0; i < n && j < m; {
			switch {
			case a[lo+i].text == b[lo+j].text && lcs[i*w+j] == lcs[(i+1)*w+j+1]+1:
				pairs = append(pairs, [2]int{lo + i, lo + j})
				i, j = i+1, j+1
			case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
				i++
			default:
				j++
			}
		}
	}
	for k := len(tail) - 1; k >= 0; k-- {
		pairs = append(pairs, tail[k])
	}
	var out []anchor
	add := func(i, j int) {
		out = append(out, anchor{out: a[i].off, from: base + b[j].off, n: len(a[i].text), m: len(b[j].text)})
	}
	// Between aligned tokens, runs of the same length pair up.
	pi, pj := 0, 0
	for k := 0; k <= len(pairs); k++ {
		ni, nj := len(a), len(b)
		if k < len(pairs) {
			ni, nj = pairs[k][0], pairs[k][1]
		}
		if ni-pi == nj-pj {
			for d := 0; d < ni-pi; d++ {
				add(pi+d, pj+d)
			}
		}
		if k < len(pairs) {
			add(ni, nj)
			pi, pj = ni+1, nj+1
		}
	}
	return out
}
