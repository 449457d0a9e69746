package rewriter

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strconv"

	"github.com/dave/dst/decorator"
	"golang.org/x/tools/go/packages"
)

// Only the declarations an edit touches are decorated and printed.
//
// Decorating a file with dst and printing it twice (before and after the
// edits) costs as much as type-checking it, and most of a file is
// declarations the tool leaves alone. So stripping and instrumenting work on
// a partial file: the same syntax with only the import declarations and the
// declarations that hold an edit, and the comments that are not inside a
// declaration left out. The splicer pairs each printed declaration with the
// user's declaration it came from (decls); its printing does not depend on
// the declarations around it. Where the partial printings differ outside
// every declaration, whose text the whole file's printings would have told
// apart, the partial file is given up and the whole file decorated
// (errWholeFile), so the result is always the whole file's.

// wholeFiles turns partial files off, for tests that compare the two.
var wholeFiles = false

// errWholeFile: the partial printings cannot tell what changed.
var errWholeFile = errors.New("the edit reaches outside the printed declarations")

// partialFile returns f with its import declarations and the other
// declarations for which keep is true, and the indices of those among f's
// non-import declarations (in splitDecls' order). It returns f itself and
// nil when every declaration is kept.
func partialFile(fset *token.FileSet, f *ast.File, keep func(ast.Decl) bool) (*ast.File, []int) {
	var decls []ast.Decl
	var kept []int
	var dropped []ast.Decl
	i := 0
	for _, d := range f.Decls {
		if isImport(d) {
			decls = append(decls, d)
			continue
		}
		if keep(d) {
			decls = append(decls, d)
			kept = append(kept, i)
		} else {
			dropped = append(dropped, d)
		}
		i++
	}
	if len(dropped) == 0 {
		return f, nil
	}
	// Comments inside a left-out declaration (its doc comment included)
	// go with it.
	var comments []*ast.CommentGroup
	j := 0
	for _, cg := range f.Comments {
		for j < len(dropped) && dropped[j].End() < cg.Pos() {
			j++
		}
		if j < len(dropped) && declStart(dropped[j]) <= cg.Pos() && cg.End() <= dropped[j].End() {
			continue
		}
		comments = append(comments, cg)
	}
	pf := *f
	pf.Decls = decls
	pf.Comments = comments
	return &pf, kept
}

// declStart is where d's text starts: its doc comment, if any.
func declStart(d ast.Decl) token.Pos {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Doc != nil {
			return d.Doc.Pos()
		}
	case *ast.GenDecl:
		if d.Doc != nil {
			return d.Doc.Pos()
		}
	}
	return d.Pos()
}

// declMentions reports whether the source of d (from its doc comment)
// contains one of words.
func declMentions(fset *token.FileSet, src []byte, d ast.Decl, words ...string) bool {
	tf := fset.File(d.Pos())
	if tf == nil {
		return true
	}
	from, to := tf.Offset(declStart(d)), tf.Offset(d.End())
	if from < 0 || to > len(src) || from > to {
		return true
	}
	for _, w := range words {
		if bytes.Contains(src[from:to], []byte(w)) {
			return true
		}
	}
	return false
}

// hasDotImport reports whether f imports a package with the name ".":
// its identifiers then refer to that package without a selector, which
// only the decorator's resolver tells apart.
func hasDotImport(f *ast.File) bool {
	for _, imp := range f.Imports {
		if imp.Name != nil && imp.Name.Name == "." {
			return true
		}
	}
	return false
}

// selectsFrom reports whether one of decls refers to a member of the
// package path through a selector (pkg.Name), as the decorator's resolver
// sees it: the selector's operand is the name of an import of path.
func selectsFrom(ref pkgRef, decls []ast.Decl, path string) bool {
	found := false
	for _, d := range decls {
		ast.Inspect(d, func(n ast.Node) bool {
			if found {
				return false
			}
			if se, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := se.X.(*ast.Ident); ok && ref(id) == path {
					found = true
				}
			}
			return !found
		})
	}
	return found
}

// droppedDecls returns f's non-import declarations whose indices are not
// in kept (sorted).
func droppedDecls(f *ast.File, kept []int) []ast.Decl {
	var out []ast.Decl
	_, rest := splitDecls(f)
	k := 0
	for i, d := range rest {
		if k < len(kept) && kept[k] == i {
			k++
			continue
		}
		out = append(out, d)
	}
	return out
}

// Stripping without types.
//
// Stripping reads one thing from types: which identifiers name an import
// (the pkg of pkg.Name), so that dst gives pkg.Name its import path and the
// recognisers of the injected code can match it. In a package that
// compiles, go/parser's scopes say that too: an operand of a selector that
// resolves to no declaration of the file, named as one of the file's
// imports, is that import (a package-level declaration of the same name
// would not compile). So the package-at-a-time run strips a package from
// its syntax alone and type-checks only the stripped package. Identifiers
// of a dot import need types: a package whose files with markers have one
// is type-checked first, as before.

// importRefs maps the offsets in src (f's source) of the identifiers
// that name an import of f, as operands of selectors, to the imports'
// paths. p's listing gives the imports' names and paths.
func importRefs(p *packages.Package, name string, src []byte) (map[int]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, 0) // with go/ast's scopes
	if err != nil {
		return nil, err
	}
	imports := listedImports(p, f)
	refs := map[int]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		if se, ok := n.(*ast.SelectorExpr); ok {
			if x, ok := se.X.(*ast.Ident); ok && x.Obj == nil {
				if path, ok := imports[x.Name]; ok && x.Name != "_" && x.Name != "." {
					refs[fset.Position(x.Pos()).Offset] = path
				}
			}
		}
		return true
	})
	return refs, nil
}

// listedImports maps the names f's imports bind to the imported
// packages' paths, from p's listing.
func listedImports(p *packages.Package, f *ast.File) map[string]string {
	imports := map[string]string{}
	for _, is := range f.Imports {
		path, err := strconv.Unquote(is.Path.Value)
		if err != nil {
			continue
		}
		q := p.Imports[path]
		if q != nil && q.PkgPath != "" {
			path = q.PkgPath
		}
		switch {
		case is.Name != nil:
			imports[is.Name.Name] = path
		case q != nil && q.Name != "":
			imports[q.Name] = path
		}
	}
	return imports
}

// resolvesBySyntax reports whether importRefs finds f's import names
// exactly: without a dot import, and without a type switch that binds an
// import's name (switch context := x.(type) { case context.Context: ...}),
// whose cases go/parser resolves to the new variable where the language
// means the import.
func resolvesBySyntax(p *packages.Package, f *ast.File) bool {
	if hasDotImport(f) {
		return false
	}
	imports := listedImports(p, f)
	ok := true
	ast.Inspect(f, func(n ast.Node) bool {
		if ts, isTS := n.(*ast.TypeSwitchStmt); isTS {
			if as, isAssign := ts.Assign.(*ast.AssignStmt); isAssign && len(as.Lhs) == 1 {
				if id, isIdent := as.Lhs[0].(*ast.Ident); isIdent && imports[id.Name] != "" {
					ok = false
				}
			}
		}
		return ok
	})
	return ok
}

// syntaxResolver resolves the identifiers of one file as dst's gotypes
// resolver does for a package that compiles without dot imports, from
// importRefs.
type syntaxResolver struct {
	fset *token.FileSet
	refs map[int]string
}

func (r *syntaxResolver) ResolveIdent(file *ast.File, parent ast.Node, parentField string, id *ast.Ident) (string, error) {
	se, ok := parent.(*ast.SelectorExpr)
	if !ok || parentField != "Sel" {
		return "", nil // a local or predeclared name: no path
	}
	x, ok := se.X.(*ast.Ident)
	if !ok {
		return "", nil
	}
	return r.refs[r.fset.Position(x.Pos()).Offset], nil
}

// pkgRef returns the path of the import x names as a selector's operand,
// or "".
type pkgRef func(x *ast.Ident) string

// fileDecorator returns the decorator of f (whose source is src) in p,
// and how to tell the imports f's identifiers name: by types when p has
// them, else by syntax.
func fileDecorator(p *packages.Package, f *ast.File, src []byte) (*decorator.Decorator, pkgRef, error) {
	if p.TypesInfo != nil {
		ref := func(x *ast.Ident) string {
			if pn, ok := p.TypesInfo.Uses[x].(*types.PkgName); ok {
				return pn.Imported().Path()
			}
			return ""
		}
		return decorator.NewDecoratorFromPackage(p), ref, nil
	}
	if !resolvesBySyntax(p, f) {
		return nil, nil, fmt.Errorf("internal error: %s needs types to be stripped", p.Fset.Position(f.Pos()).Filename)
	}
	refs, err := importRefs(p, p.Fset.Position(f.Pos()).Filename, src)
	if err != nil {
		return nil, nil, err
	}
	r := &syntaxResolver{fset: p.Fset, refs: refs}
	ref := func(x *ast.Ident) string { return refs[p.Fset.Position(x.Pos()).Offset] }
	return decorator.NewDecoratorWithImports(p.Fset, p.PkgPath, r), ref, nil
}
