package rewriter

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestOnlyAnnotatedChange checks every golden case against its input: a
// top-level declaration without a directive, and the text between
// declarations, are the same bytes. Only annotated functions, the import
// declarations and (where a function gets a context parameter) its callers
// change.
func TestOnlyAnnotatedChange(t *testing.T) {
	g := goldenCases(t)
	for _, c := range g.names {
		in, out := g.section(c, "input"), g.section(c, "golden")
		for _, name := range sortedNames(in) {
			if msg := outsideChanges(name, in[name], out[name], g.has(c, "removed")); msg != "" {
				t.Errorf("%s.txtar: golden/%s: %s", c, name, msg)
			}
		}
	}
}

// outsideChanges reports the first change to after outside annotated
// functions and imports; callers allows changed functions without
// directives (they pass a context to a function that got one).
func outsideChanges(name string, before, after []byte, callers bool) string {
	parse := func(src []byte) (*token.FileSet, *ast.File, []ast.Decl) {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			return nil, nil, nil
		}
		_, rest := splitDecls(f)
		return fset, f, rest
	}
	bf, bfile, bd := parse(before)
	af, afile, ad := parse(after)
	if bfile == nil || afile == nil {
		return "does not parse"
	}
	if len(bd) != len(ad) {
		return "declarations added or removed"
	}
	text := func(fset *token.FileSet, src []byte, from, to token.Pos) string {
		return string(src[fset.Position(from).Offset:fset.Position(to).Offset])
	}
	start := func(d ast.Decl) token.Pos {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Doc != nil {
			return fd.Doc.Pos()
		}
		if gd, ok := d.(*ast.GenDecl); ok && gd.Doc != nil {
			return gd.Doc.Pos()
		}
		return d.Pos()
	}
	for i := range bd {
		bt := text(bf, before, start(bd[i]), bd[i].End())
		at := text(af, after, start(ad[i]), ad[i].End())
		if bt != at && !strings.Contains(bt, "//trace:span") && !callers {
			return "unannotated declaration changed:\n" + lineDiff([]byte(bt), []byte(at))
		}
		if i > 0 {
			bg := text(bf, before, bd[i-1].End(), start(bd[i]))
			ag := text(af, after, ad[i-1].End(), start(ad[i]))
			if bg != ag {
				return "text between declarations changed:\n" + lineDiff([]byte(bg), []byte(ag))
			}
		}
	}
	if len(bd) > 0 {
		bt := string(before[bf.Position(bd[len(bd)-1].End()).Offset:])
		at := string(after[af.Position(ad[len(ad)-1].End()).Offset:])
		if bt != at {
			return "end of file changed"
		}
	}
	if bt, at := text(bf, before, bfile.FileStart, bfile.Name.End()), text(af, after, afile.FileStart, afile.Name.End()); bt != at {
		return "package clause changed"
	}
	return ""
}

// TestGinPackageHasNoGinShape: in package gin itself a *Context parameter
// cannot get tracegin's span (tracegin imports gin: an import cycle, found
// by the round-trip corpus on gin's own source).
func TestGinPackageHasNoGinShape(t *testing.T) {
	src := []byte("package gin\n\ntype Context struct{}\n\n//trace:span\nfunc handle(c *Context) {}\n")
	p, ok := memPackageAt(t, ginPath, src)
	if !ok {
		t.Fatal("test package does not type-check")
	}
	fd := p.Syntax[0].Decls[1].(*ast.FuncDecl)
	if shape, _ := (&instrumenter{pkg: p}).shapeOf(fd.Type); shape == shapeGin {
		t.Errorf("a function of package gin got the Gin shape")
	}
}
