package rewriter

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"

	"github.com/dave/dst"
	"golang.org/x/tools/go/packages"

	"github.com/traceinject/traceinject/templates/inject"
)

// stripFile removes all injected code from f, whose source is src, and
// returns the result: src with the injected code cut out and the recorded
// signatures put back, every other byte kept. An error comes with the
// position of the function it concerns. The map takes offsets in src to
// offsets in the result and back.
func stripFile(p *packages.Package, f *ast.File, src []byte) ([]byte, *posMap, token.Pos, error) {
	if pos, text := strayMarker(p.Fset, f, src); pos.IsValid() {
		if text == beginPrefix {
			return nil, nil, pos, fmt.Errorf("//trace:begin without //trace:end in the same body, or not at the start of a function body: restore the block or delete the marker and the injected code")
		}
		return nil, nil, pos, fmt.Errorf("%s outside an injected block (user code, e.g. left by a merge): delete the line", text)
	}
	// Only declarations with markers change.
	if !wholeFiles && !hasDotImport(f) {
		pf, decls := partialFile(p.Fset, f, func(d ast.Decl) bool {
			return declMentions(p.Fset, src, d, beginPrefix, endMarker)
		})
		if decls != nil {
			out, back, pos, err := stripDecls(p, f, pf, decls, src)
			if err != errWholeFile {
				return out, back, pos, err
			}
		}
	}
	return stripDecls(p, f, f, nil, src)
}

// stripDecls is stripFile on pf, f itself or a partial file of f whose
// declarations are f's at the indices decls.
func stripDecls(p *packages.Package, f, pf *ast.File, decls []int, src []byte) ([]byte, *posMap, token.Pos, error) {
	dec, ref, err := fileDecorator(p, f, src)
	if err != nil {
		return nil, nil, f.Pos(), err
	}
	df, err := dec.DecorateFile(pf)
	if err != nil {
		return nil, nil, f.Pos(), err
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
			an := dec.Ast.Nodes[n]
			aft, _ := astFunc(an)
			var attrs beginAttrs
			attrs, err = stripFunc(ft, body, signatureOf(p.Fset, src, aft), names)
			if err != nil {
				if an != nil {
					pos = an.Pos()
				}
			} else if aft != nil {
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
	var others []ast.Decl // the declarations not printed
	if decls != nil {
		others = droppedDecls(f, decls)
	}
	for _, path := range []string{inject.TraceginPath, inject.RuntimePath} {
		if !usesPath(df, path) && !selectsFrom(ref, others, path) {
			dropImport(df, path)
			imports.drop[path] = true
		}
	}
	out, err := printFile(p, df, nil)
	if err != nil {
		return nil, nil, f.Pos(), err
	}
	sd := &side{src: src, fset: p.Fset, f: f}
	out, back, err := spliceDecls(p.Fset.Position(f.Pos()).Filename, src, sd, old, out, decls, verbatim, imports)
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

// signatureOf is the text of ft's parameter and result lists in src.
func signatureOf(fset *token.FileSet, src []byte, ft *ast.FuncType) signature {
	var s signature
	if ft != nil && ft.Params != nil {
		s.params = fieldText(fset, src, ft.Params)
	}
	if ft != nil && ft.Results != nil {
		s.results = fieldText(fset, src, ft.Results)
	}
	return s
}

// stripFunc removes the injected block at the start of body, restores the
// signature recorded in its marker (now is the signature's text), and
// undoes context threading.
func stripFunc(ft *dst.FuncType, body *dst.BlockStmt, now signature, imports map[string]string) (beginAttrs, error) {
	attrs, block, ok, err := cutBlock(body)
	if !ok || err != nil {
		return attrs, err
	}
	span, gin, carrier, ok := prologueVars(block[0])
	if !ok {
		return attrs, fmt.Errorf("unrecognized injected code after //trace:begin")
	}
	if attrs.oneLine && len(body.List) > 0 {
		body.List[0].Decorations().Before = dst.None
		body.List[len(body.List)-1].Decorations().After = dst.None
	}
	unthread(body, span, gin, carrier)
	return restoreFields(ft, attrs, now, carrier, prologueErr(block[len(block)-1]), imports)
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
		case p.Imports[path] != nil && p.Imports[path].Name != "":
			m[p.Imports[path].Name] = path // a package stripped without types
		}
	}
	return m
}
