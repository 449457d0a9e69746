package rewriter

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"github.com/dave/dst"
	"github.com/dave/dst/decorator"
	"github.com/dave/dst/dstutil"
	"golang.org/x/tools/go/packages"

	"github.com/traceinject/traceinject/templates/inject"
)

// stripFile removes all injected code from f, whose source is src, and
// returns the result: src with the injected code cut out and the recorded
// signatures put back, every other byte kept. An error comes with the
// position of the function it concerns.
func stripFile(p *packages.Package, f *ast.File, src []byte) ([]byte, func(int) int, token.Pos, error) {
	dec := decorator.NewDecoratorFromPackage(p)
	df, err := dec.DecorateFile(f)
	if err != nil {
		return nil, nil, f.Pos(), err
	}
	if pos, text := strayMarker(p.Fset, f, src); pos.IsValid() {
		if text == beginPrefix {
			return nil, nil, pos, fmt.Errorf("//trace:begin without //trace:end in the same body, or not at the start of a function body: restore the block or delete the marker and the injected code")
		}
		return nil, nil, pos, fmt.Errorf("%s outside an injected block (user code, e.g. left by a merge): delete the line", text)
	}
	old, err := printFile(p, df, nil)
	if err != nil {
		return nil, nil, f.Pos(), err
	}
	names := fileImports(p, f)
	// Recorded signatures go back exactly as they were written.
	verbatim := map[[2]int]string{}
	restore := func(fl *ast.FieldList, text string) {
		if fl != nil && text != "" {
			verbatim[[2]int{p.Fset.Position(fl.Pos()).Offset, p.Fset.Position(fl.End()).Offset}] = text
		}
	}
	// Pre-order, so that an enclosing function is stripped while the
	// literals inside it still carry their own markers.
	pos := f.Pos()
	dst.Inspect(df, func(n dst.Node) bool {
		if err != nil {
			return false
		}
		ft, body := dstFunc(n)
		if body != nil {
			var attrs beginAttrs
			attrs, err = stripFunc(ft, body, names)
			an := dec.Ast.Nodes[n]
			if err != nil {
				if an != nil {
					pos = an.Pos()
				}
			} else if aft, _ := astFunc(an); aft != nil {
				restore(aft.Params, attrs.params)
				restore(aft.Results, attrs.results)
			}
		}
		return true
	})
	if err != nil {
		return nil, nil, pos, err
	}
	imports := importChange{drop: map[string]bool{}}
	for _, path := range []string{inject.TraceginPath, inject.RuntimePath} {
		if !usesPath(df, path) {
			dropImport(df, path)
			imports.drop[path] = true
		}
	}
	out, err := printFile(p, df, nil)
	if err != nil {
		return nil, nil, f.Pos(), err
	}
	out, back, err := spliceMap(p.Fset.Position(f.Pos()).Filename, src, old, out, verbatim, imports)
	return out, back, f.Pos(), err
}

func astFunc(n ast.Node) (*ast.FuncType, *ast.BlockStmt) {
	switch n := n.(type) {
	case *ast.FuncDecl:
		return n.Type, n.Body
	case *ast.FuncLit:
		return n.Type, n.Body
	}
	return nil, nil
}

func markerIndex(d dst.Decorations, pred func(string) bool) int {
	for i, s := range d {
		if pred(s) {
			return i
		}
	}
	return -1
}

func isBegin(s string) bool { return hasWord(s, beginPrefix) }
func isEnd(s string) bool   { return s == endMarker }

func hasBegin(body *dst.BlockStmt) bool {
	return body != nil && len(body.List) > 0 && markerIndex(body.List[0].Decorations().Start, isBegin) >= 0
}

// stripFunc removes the injected block at the start of body, restores the
// signature recorded in its marker, and undoes context threading.
func stripFunc(ft *dst.FuncType, body *dst.BlockStmt, imports map[string]string) (beginAttrs, error) {
	if !hasBegin(body) {
		return beginAttrs{}, nil
	}
	first := body.List[0]
	bi := markerIndex(first.Decorations().Start, isBegin)
	attrs, err := parseBegin(first.Decorations().Start[bi])
	if err != nil {
		return attrs, err
	}
	// Comments the user had above the first statement of a body with
	// none (kept in the body's opening decorations) print above the begin
	// marker, and comments after the last statement of such a body print
	// after the end marker: both must survive.
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
		return attrs, fmt.Errorf("//trace:begin without //trace:end")
	}
	span, gin, carrier, ok := injectedVars(first)
	if !ok {
		return attrs, fmt.Errorf("unrecognized injected code after //trace:begin")
	}
	body.List = body.List[end+1:]
	switch {
	case len(body.List) > 0:
		body.List[0].Decorations().Start = append(pre, body.List[0].Decorations().Start...)
	case len(pre)+len(post) > 0:
		body.Decs.Lbrace = append(append(dst.Decorations{"\n"}, pre...), post...)
	}
	if attrs.oneLine && len(body.List) > 0 {
		body.List[0].Decorations().Before = dst.None
		body.List[len(body.List)-1].Decorations().After = dst.None
	}
	unthread(body, span, gin, carrier)
	if attrs.params != "" || attrs.results != "" {
		ps, rs, err := parseFieldLists(attrs.params, attrs.results)
		if err != nil {
			return attrs, err
		}
		// The restored lists name the file's imports, which must count
		// as used, or printing drops them.
		resolveQualified(ps, imports)
		resolveQualified(rs, imports)
		if attrs.params != "" {
			ft.Params = ps
		}
		if attrs.results != "" {
			ft.Results = rs
		}
	}
	return attrs, nil
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

// injectedVars reads the span variable and carrier from the first injected
// statement: `ctx, span := runtime.Start(ctx, ...)` or
// `span := tracegin.Start(c, ...)`.
func injectedVars(s dst.Stmt) (span string, gin bool, carrier string, ok bool) {
	as, ok := s.(*dst.AssignStmt)
	if !ok || len(as.Rhs) != 1 {
		return "", false, "", false
	}
	call, ok := as.Rhs[0].(*dst.CallExpr)
	if !ok || len(call.Args) != 2 {
		return "", false, "", false
	}
	fn, ok := call.Fun.(*dst.Ident)
	if !ok {
		return "", false, "", false
	}
	arg, ok := call.Args[0].(*dst.Ident)
	if !ok {
		return "", false, "", false
	}
	switch {
	case fn.Path == inject.TraceginPath && len(as.Lhs) == 1:
		id, ok := as.Lhs[0].(*dst.Ident)
		return id.Name, true, arg.Name, ok
	case fn.Path == inject.RuntimePath && len(as.Lhs) == 2:
		id, ok := as.Lhs[1].(*dst.Ident)
		return id.Name, false, arg.Name, ok
	}
	return "", false, "", false
}

// fileImports maps the names f's imports bind to their paths.
func fileImports(p *packages.Package, f *ast.File) map[string]string {
	m := map[string]string{}
	for _, imp := range f.Imports {
		path, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			continue
		}
		switch {
		case imp.Name != nil:
			m[imp.Name.Name] = path
		case p.TypesInfo != nil:
			if pn, ok := p.TypesInfo.Implicits[imp].(*types.PkgName); ok {
				m[pn.Name()] = path
			}
		}
	}
	return m
}

// resolveQualified turns every pkg.Name in fl whose pkg is one of the
// file's imports into an identifier with that import's path.
func resolveQualified(fl *dst.FieldList, imports map[string]string) {
	if fl == nil {
		return
	}
	dstutil.Apply(fl, func(c *dstutil.Cursor) bool {
		sel, ok := c.Node().(*dst.SelectorExpr)
		if !ok {
			return true
		}
		x, ok := sel.X.(*dst.Ident)
		if !ok || x.Path != "" {
			return true
		}
		path, ok := imports[x.Name]
		if !ok || path == "_" || x.Name == "_" || x.Name == "." {
			return true
		}
		id := &dst.Ident{Name: sel.Sel.Name, Path: path}
		id.Decs.NodeDecs = sel.Decs.NodeDecs
		c.Replace(id)
		return false
	}, nil)
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
