package rewriter

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"sort"
	"strings"
)

// Edits are spliced into the user's bytes, never reprinted whole.
//
// The tool edits a file's syntax tree (dst) and prints it. The printer
// formats what it prints, so a file that is not gofmt-clean would change
// everywhere. Instead the unedited tree is printed too, through the same
// printer: where the two printings agree, the user's bytes stay; where they
// differ, only the smallest differing piece (a declaration, a statement, an
// expression, a field, the gap between two of them, the injected block
// between its markers, the import declarations) is replaced in the user's
// bytes by its new printing. The three texts are parsed and walked in
// parallel: the user's source has the same syntax as the old printing, and
// the new printing differs from it only where the tool edited.

// textEdit replaces src[from:to] by text.
type textEdit struct {
	from, to int
	text     string
}

// side is one of the three texts: the user's source, the old printing and
// the new printing.
type side struct {
	src  []byte
	fset *token.FileSet
	f    *ast.File
}

func parseSide(name string, src []byte) (*side, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	return &side{src: src, fset: fset, f: f}, nil
}

func (sd *side) off(p token.Pos) int { return sd.fset.File(p).Offset(p) }

func (sd *side) text(from, to token.Pos) string { return string(sd.src[sd.off(from):sd.off(to)]) }

func (sd *side) nodeText(n ast.Node) string { return sd.text(n.Pos(), n.End()) }

type splicer struct {
	s, o, n *side
	edits   []textEdit
	// verbatim replaces the user's text of a node, by its offsets in the
	// user's source, with exactly this text (a signature recorded in a
	// marker), whatever the printings say.
	verbatim map[[2]int]string
	// decls are the indices of the printed declarations among the
	// user's (nil: all of them).
	decls []int
}

// splice applies to src the differences between old and new, two printings
// of src's syntax, before and after the tool's edits. It also returns the
// map between offsets in src and in the result (see posMap).
func splice(name string, src, old, new []byte, verbatim map[[2]int]string, imports importChange) ([]byte, *posMap, error) {
	return spliceDecls(name, src, nil, old, new, nil, verbatim, imports)
}

// spliceDecls is splice where the user's source src has already been
// parsed into s (nil: not yet), and old and new print a partial file
// (partialFile) whose declarations are those of src at the indices decls
// (nil: the whole file). It returns errWholeFile when the printings differ
// outside the declarations printed.
func spliceDecls(name string, src []byte, s *side, old, new []byte, decls []int, verbatim map[[2]int]string, imports importChange) ([]byte, *posMap, error) {
	m := &posMap{}
	if bytes.Equal(old, new) && len(verbatim) == 0 {
		out, err := imports.apply(name, src, m)
		return out, m, err
	}
	sp := splicer{s: s, decls: decls}
	var err error
	if sp.s == nil {
		if sp.s, err = parseSide(name, src); err != nil {
			return nil, nil, err
		}
	}
	if sp.o, err = parseSide(name, old); err != nil {
		return nil, nil, fmt.Errorf("printed source does not parse: %v", err)
	}
	if sp.n, err = parseSide(name, new); err != nil {
		return nil, nil, fmt.Errorf("rewritten source does not parse: %v", err)
	}
	sp.verbatim = verbatim
	if err := sp.file(); err != nil {
		return nil, nil, err
	}
	out, err := applyEdits(src, sp.edits)
	if err != nil {
		return nil, nil, err
	}
	m.add(src, sp.edits)
	out, err = imports.apply(name, out, m)
	return out, m, err
}

func applyEdits(src []byte, edits []textEdit) ([]byte, error) {
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].from < edits[j].from })
	var b bytes.Buffer
	at := 0
	for _, e := range edits {
		if e.from < at {
			return nil, fmt.Errorf("overlapping edits at offset %d", e.from)
		}
		b.Write(src[at:e.from])
		b.WriteString(e.text)
		at = e.to
	}
	b.Write(src[at:])
	return b.Bytes(), nil
}

func (sp *splicer) edit(from, to int, text string) {
	sp.edits = append(sp.edits, textEdit{from, to, text})
}

// replace puts n's new text in place of s's.
func (sp *splicer) replace(s, n ast.Node) {
	sp.edit(sp.s.off(s.Pos()), sp.s.off(s.End()), sp.n.nodeText(n))
}

// replaceRange puts the new text between two positions in place of the
// user's text between the matching positions.
func (sp *splicer) replaceRange(sFrom, sTo, nFrom, nTo token.Pos) {
	sp.edit(sp.s.off(sFrom), sp.s.off(sTo), sp.n.text(nFrom, nTo))
}

func isImport(d ast.Decl) bool {
	g, ok := d.(*ast.GenDecl)
	return ok && g.Tok == token.IMPORT
}

func splitDecls(f *ast.File) (imports, rest []ast.Decl) {
	for _, d := range f.Decls {
		if isImport(d) {
			imports = append(imports, d)
		} else {
			rest = append(rest, d)
		}
	}
	return imports, rest
}

func (sp *splicer) file() error {
	// Imports are not taken from the printings: see importChange.
	_, sd := splitDecls(sp.s.f)
	_, od := splitDecls(sp.o.f)
	_, nd := splitDecls(sp.n.f)
	if sp.decls != nil {
		picked := make([]ast.Decl, 0, len(sp.decls))
		for _, i := range sp.decls {
			if i >= len(sd) {
				return fmt.Errorf("declaration %d of %d printed", i, len(sd))
			}
			picked = append(picked, sd[i])
		}
		sd = picked
	}
	if len(sd) != len(od) || len(od) != len(nd) {
		return fmt.Errorf("declarations do not match after the edit (%d, %d, %d)", len(sd), len(od), len(nd))
	}
	for i := range od {
		sp.node(sd[i], od[i], nd[i])
		if i == 0 {
			continue
		}
		if sp.decls == nil || sp.decls[i] == sp.decls[i-1]+1 {
			sp.gap(sd[i-1].End(), sd[i].Pos(), od[i-1].End(), od[i].Pos(), nd[i-1].End(), nd[i].Pos())
		} else if sp.o.text(od[i-1].End(), od[i].Pos()) != sp.n.text(nd[i-1].End(), nd[i].Pos()) {
			return errWholeFile
		}
	}
	if sp.decls != nil && (sp.o.outside(od) != sp.n.outside(nd)) {
		return errWholeFile
	}
	return nil
}

// outside returns the text of a printing before its first declaration
// (after the imports) and after its last: what a partial printing has
// there does not stand for the user's text.
func (sd *side) outside(decls []ast.Decl) [2]string {
	from := sd.f.Name.End()
	for _, d := range sd.f.Decls {
		if isImport(d) {
			from = d.End()
		}
	}
	if len(decls) == 0 {
		return [2]string{string(sd.src[sd.off(from):]), ""}
	}
	return [2]string{sd.text(from, decls[0].Pos()), string(sd.src[sd.off(decls[len(decls)-1].End()):])}
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// gap handles the text between two matched nodes: comments and white space.
func (sp *splicer) gap(sFrom, sTo, oFrom, oTo, nFrom, nTo token.Pos) {
	if sp.o.text(oFrom, oTo) != sp.n.text(nFrom, nTo) {
		sp.replaceRange(sFrom, sTo, nFrom, nTo)
	}
}

// node splices the differences between o and n, the old and new printings
// of s.
func (sp *splicer) node(s, o, n ast.Node) {
	if v, ok := sp.verbatim[[2]int{sp.s.off(s.Pos()), sp.s.off(s.End())}]; ok {
		sp.edit(sp.s.off(s.Pos()), sp.s.off(s.End()), v)
		return
	}
	if sp.o.nodeText(o) == sp.n.nodeText(n) {
		return
	}
	if reflect.TypeOf(o) != reflect.TypeOf(n) || reflect.TypeOf(s) != reflect.TypeOf(o) {
		sp.replace(s, n)
		return
	}
	switch o := o.(type) {
	case *ast.FuncDecl:
		sp.funcDecl(s.(*ast.FuncDecl), o, n.(*ast.FuncDecl))
	case *ast.FuncLit:
		sp.seq(s, o, n, funcLitParts(s.(*ast.FuncLit)), funcLitParts(o), funcLitParts(n.(*ast.FuncLit)))
	case *ast.BlockStmt:
		sp.block(s.(*ast.BlockStmt), o, n.(*ast.BlockStmt))
	case *ast.FieldList:
		sp.fieldList(s.(*ast.FieldList), o, n.(*ast.FieldList))
	case *ast.Field:
		sp.field(s.(*ast.Field), o, n.(*ast.Field))
	default:
		sp.seq(s, o, n, children(s), children(o), children(n))
	}
}

// seq splices nodes whose children match one to one (same number, same
// kinds, same text between them); otherwise the whole node is replaced.
func (sp *splicer) seq(s, o, n ast.Node, cs, co, cn []ast.Node) {
	if len(cs) != len(co) || len(co) != len(cn) {
		sp.replace(s, n)
		return
	}
	for i := range co {
		if (co[i] == nil) != (cn[i] == nil) || (cs[i] == nil) != (co[i] == nil) {
			sp.replace(s, n)
			return
		}
		if co[i] != nil && (reflect.TypeOf(co[i]) != reflect.TypeOf(cn[i]) || reflect.TypeOf(cs[i]) != reflect.TypeOf(co[i])) {
			sp.replace(s, n)
			return
		}
	}
	// The tokens between children must agree; the user's comments and
	// space there stay where they are (the printer may move comments).
	oPos, nPos := o.Pos(), n.Pos()
	for i := range co {
		if co[i] == nil {
			continue
		}
		if !sameTokens(sp.o.text(oPos, co[i].Pos()), sp.n.text(nPos, cn[i].Pos())) {
			sp.replace(s, n)
			return
		}
		oPos, nPos = co[i].End(), cn[i].End()
	}
	if !sameTokens(sp.o.text(oPos, o.End()), sp.n.text(nPos, n.End())) {
		sp.replace(s, n)
		return
	}
	for i := range co {
		if co[i] != nil {
			sp.node(cs[i], co[i], cn[i])
		}
	}
}

// children are the syntax children of n in source order, comments left out
// (they belong to the text between children).
func children(n ast.Node) []ast.Node {
	var out []ast.Node
	ast.Inspect(n, func(c ast.Node) bool {
		if c == n {
			return true
		}
		switch c.(type) {
		case nil, *ast.CommentGroup, *ast.Comment:
			return false
		}
		out = append(out, c)
		return false
	})
	return out
}

// funcLitParts and funcDeclParts list a function's parts in source order;
// nil marks an absent optional part, so that presence must match.
func funcLitParts(f *ast.FuncLit) []ast.Node {
	return []ast.Node{optional(f.Type.TypeParams), f.Type.Params, optional(f.Type.Results), f.Body}
}

func funcDeclParts(f *ast.FuncDecl) []ast.Node {
	var body ast.Node
	if f.Body != nil {
		body = f.Body
	}
	return []ast.Node{optional(f.Recv), f.Name, optional(f.Type.TypeParams), f.Type.Params, optional(f.Type.Results), body}
}

func optional(fl *ast.FieldList) ast.Node {
	if fl == nil {
		return nil
	}
	return fl
}

func (sp *splicer) funcDecl(s, o, n *ast.FuncDecl) {
	sp.seq(s, o, n, funcDeclParts(s), funcDeclParts(o), funcDeclParts(n))
}

// fieldList splices a parameter or result list. A field added at the front
// (a context parameter) is inserted; a field list that gains or loses its
// parentheses is replaced.
func (sp *splicer) fieldList(s, o, n *ast.FieldList) {
	so, oo, no := s.Opening.IsValid(), o.Opening.IsValid(), n.Opening.IsValid()
	if !so && !oo && no && len(s.List) == 1 && len(o.List) == 1 && len(n.List) == 1 && len(o.List[0].Names) == 0 && len(n.List[0].Names) > 0 &&
		sp.o.nodeText(o.List[0].Type) == sp.n.nodeText(n.List[0].Type) {
		// A result named: (name T) around the user's T.
		at := sp.s.off(s.List[0].Pos())
		sp.edit(at, at, "("+sp.n.text(n.List[0].Names[0].Pos(), n.List[0].Type.Pos()))
		end := sp.s.off(s.List[0].End())
		sp.edit(end, end, ")")
		return
	}
	if so != oo || oo != no || !oo {
		sp.replace(s, n)
		return
	}
	k := len(n.List) - len(o.List)
	if len(s.List) != len(o.List) || k < 0 || (k > 0 && len(o.List) == 0) {
		sp.replace(s, n)
		return
	}
	nl := n.List[k:]
	// Text between the parentheses and fields must agree.
	oPos, nPos := o.Opening, n.Opening
	for i := range o.List {
		nAt := nl[i].Pos()
		if i == 0 && k > 0 {
			nAt = n.List[0].Pos()
		}
		if sp.o.text(oPos, o.List[i].Pos()) != sp.n.text(nPos, nAt) {
			sp.replace(s, n)
			return
		}
		oPos, nPos = o.List[i].End(), nl[i].End()
	}
	if sp.o.text(oPos, o.Closing) != sp.n.text(nPos, n.Closing) {
		sp.replace(s, n)
		return
	}
	if k > 0 {
		at := sp.s.off(s.List[0].Pos())
		sp.edit(at, at, sp.n.text(n.List[0].Pos(), n.List[k].Pos()))
	}
	for i := range o.List {
		sp.node(s.List[i], o.List[i], nl[i])
	}
}

// field splices one parameter or result: names given to an unnamed field
// are inserted before its type, names taken away are deleted.
func (sp *splicer) field(s, o, n *ast.Field) {
	if len(s.Names) != len(o.Names) || sp.o.nodeText(o.Type) != sp.n.nodeText(n.Type) {
		sp.replace(s, n)
		return
	}
	switch {
	case len(o.Names) == 0 && len(n.Names) > 0:
		at := sp.s.off(s.Type.Pos())
		sp.edit(at, at, sp.n.text(n.Names[0].Pos(), n.Type.Pos()))
	case len(o.Names) > 0 && len(n.Names) == 0:
		sp.edit(sp.s.off(s.Names[0].Pos()), sp.s.off(s.Type.Pos()), "")
	case len(o.Names) == len(n.Names):
		for i := range o.Names {
			sp.node(s.Names[i], o.Names[i], n.Names[i])
		}
	default:
		sp.replace(s, n)
	}
}

// block splices a body. The injected block is inserted, replaced or
// deleted as a whole; the statements after it are matched one to one.
func (sp *splicer) block(s, o, n *ast.BlockStmt) {
	sFrom, sTo, sk, sHas := sp.s.markers(s)
	oFrom, oTo, ok, oHas := sp.o.markers(o)
	nFrom, nTo, nk, nHas := sp.n.markers(n)
	if sHas != oHas || sk != ok || len(s.List) != len(o.List) || len(o.List)-ok != len(n.List)-nk {
		sp.replace(s, n)
		return
	}
	sl, ol, nl := s.List[sk:], o.List[ok:], n.List[nk:]
	// The head: from the brace to the first statement after the block,
	// with the block cut out.
	head := func(sd *side, b *ast.BlockStmt, l []ast.Stmt, has bool, from, to token.Pos) (string, int) {
		end := b.Rbrace
		if len(l) > 0 {
			end = l[0].Pos()
		}
		if !has {
			return sd.text(b.Lbrace+1, end), -1
		}
		cut := sd.off(from) - sd.off(b.Lbrace+1)
		return sd.text(b.Lbrace+1, from) + sd.text(to, end), cut
	}
	sh, _ := head(sp.s, s, sl, sHas, sFrom, sTo)
	oh, _ := head(sp.o, o, ol, oHas, oFrom, oTo)
	nh, nCut := head(sp.n, n, nl, nHas, nFrom, nTo)
	sEnd, nEnd := s.Rbrace, n.Rbrace
	if len(sl) > 0 {
		sEnd, nEnd = sl[0].Pos(), nl[0].Pos()
	}
	// Where the block starts in the new head, it goes into the user's
	// head: before as many line breaks. Heads that differ in white space
	// only keep the user's.
	sameHead := oh == nh || withoutSpace(oh) == withoutSpace(nh)
	at := -1
	if nHas && !sHas && sameHead {
		breaks := strings.Count(nh[:nCut], "\n")
		i, rest := sp.s.off(s.Lbrace+1), sh
		for ; breaks >= 0; breaks-- {
			nl := strings.IndexByte(rest, '\n')
			if nl < 0 {
				i = -1
				break
			}
			if breaks == 0 {
				i += nl
				break
			}
			i, rest = i+nl+1, rest[nl+1:]
		}
		at = i
	}
	sAttrs, _ := sp.s.beginAttrs(s)
	nAttrs, _ := sp.n.beginAttrs(n)
	if oHas && !nHas && sAttrs.oneLine && sp.oneLine(s, sl, sFrom, sTo) {
		for i := range ol {
			sp.node(sl[i], ol[i], nl[i])
		}
		return
	}
	if nHas && !sHas && nAttrs.oneLine {
		// A one-line body is expanded as printed: -remove puts it back
		// on one line in gofmt's form, which is then what the next run
		// expands again.
		sp.replaceRange(s.Lbrace+1, s.Rbrace, n.Lbrace+1, n.Rbrace)
		return
	}
	switch {
	case oHas && !nHas && sAttrs.hasHead:
		sp.edit(sp.s.off(s.Lbrace+1), sp.s.off(sEnd), sAttrs.head)
	case nHas && !sHas && (!sameHead || at < 0 || leadComment(sh)):
		// The new head, and the user's in the marker.
		head := sp.n.text(n.Lbrace+1, nEnd)
		if !nAttrs.oneLine {
			head = withHead(head, sh)
		}
		sp.edit(sp.s.off(s.Lbrace+1), sp.s.off(sEnd), head)
	case !sameHead:
		sp.replaceRange(s.Lbrace+1, sEnd, n.Lbrace+1, nEnd)
	case oHas && nHas:
		if sp.o.text(oFrom, oTo) != sp.n.text(nFrom, nTo) {
			block := sp.n.text(nFrom, nTo)
			if sAttrs.hasHead {
				block = withHead(block, sAttrs.head)
			}
			sp.edit(sp.s.off(sFrom), sp.s.off(sTo), block)
		}
	case oHas:
		sp.edit(sp.s.off(sFrom), sp.s.off(sTo), "")
	case nHas:
		sp.edit(at, at, sp.n.text(nFrom, nTo))
	}
	for i := range ol {
		sp.node(sl[i], ol[i], nl[i])
		if i > 0 {
			sp.gap(sl[i-1].End(), sl[i].Pos(), ol[i-1].End(), ol[i].Pos(), nl[i-1].End(), nl[i].Pos())
		}
	}
	if len(ol) > 0 {
		last := len(ol) - 1
		sp.gap(sl[last].End(), s.Rbrace, ol[last].End(), o.Rbrace, nl[last].End(), n.Rbrace)
	}
}

func withoutSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
}

// oneLine puts a body that was written on one line back on one line, as
// gofmt writes it: { a; b }, the injected block [from, to) dropped. It
// declines (false) when comments sit between the statements.
func (sp *splicer) oneLine(s *ast.BlockStmt, sl []ast.Stmt, from, to token.Pos) bool {
	if len(sl) == 0 {
		// {}
		if strings.TrimSpace(sp.s.text(s.Lbrace+1, from)+sp.s.text(to, s.Rbrace)) != "" {
			return false
		}
		sp.edit(sp.s.off(s.Lbrace+1), sp.s.off(s.Rbrace), "")
		return true
	}
	gaps := [][2]token.Pos{{s.Lbrace + 1, sl[0].Pos()}}
	for i := 1; i < len(sl); i++ {
		gaps = append(gaps, [2]token.Pos{sl[i-1].End(), sl[i].Pos()})
	}
	gaps = append(gaps, [2]token.Pos{sl[len(sl)-1].End(), s.Rbrace})
	for i, g := range gaps {
		text := sp.s.text(g[0], g[1])
		if i == 0 {
			text = sp.s.text(g[0], from) + sp.s.text(to, g[1])
		}
		if strings.TrimSpace(text) != "" && !(i > 0 && i < len(gaps)-1 && strings.TrimSpace(text) == ";") {
			return false
		}
	}
	for i, g := range gaps {
		sep := "; "
		if i == 0 || i == len(gaps)-1 {
			sep = " "
		}
		sp.edit(sp.s.off(g[0]), sp.s.off(g[1]), sep)
	}
	return true
}

// sameTokens reports whether two stretches of source hold the same tokens,
// comments and space aside.
func sameTokens(a, b string) bool {
	if a == b {
		return true
	}
	return withoutSpace(stripComments(a)) == withoutSpace(stripComments(b))
}

// stripComments removes the comments of a stretch of source that holds
// no string or character literal (punctuation and keywords between nodes).
func stripComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "//"):
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				return b.String()
			}
			i += j
		case strings.HasPrefix(s[i:], "/*"):
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return b.String()
			}
			i += j + 4
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}

// leadComment reports whether the last line of a body's head holds a
// comment that the first statement follows on the same line: gofmt puts
// such a comment on a line of its own below another comment (the end
// marker).
func leadComment(head string) bool {
	last := head[strings.LastIndexByte(head, '\n')+1:]
	return strings.TrimSpace(last) != ""
}
