package rewriter

import (
	"bytes"
	"errors"
	"go/ast"
	"go/token"
	"go/types"
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
func selectsFrom(info *types.Info, decls []ast.Decl, path string) bool {
	found := false
	for _, d := range decls {
		ast.Inspect(d, func(n ast.Node) bool {
			if found {
				return false
			}
			if se, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := se.X.(*ast.Ident); ok {
					if pn, ok := info.Uses[id].(*types.PkgName); ok && pn.Imported().Path() == path {
						found = true
					}
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
