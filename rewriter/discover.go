package rewriter

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

// target is a function a directive applies to: a top-level function or
// method (decl), or a function literal (lit, inside outer).
type target struct {
	comment *ast.Comment
	dir     *parsedDirective
	decl    *ast.FuncDecl
	lit     *ast.FuncLit
	outer   *ast.FuncDecl
}

func (t *target) funcType() *ast.FuncType {
	if t.decl != nil {
		return t.decl.Type
	}
	return t.lit.Type
}

func (t *target) body() *ast.BlockStmt {
	if t.decl != nil {
		return t.decl.Body
	}
	return t.lit.Body
}

func (t *target) node() ast.Node {
	if t.decl != nil {
		return t.decl
	}
	return t.lit
}

// discover finds every directive in f and what it applies to, in source
// order of the directives. The targets of a stripped file and of the
// current one are related through the file's posMap (fileState), not by
// their order: a directive may apply to a function in one and not in the
// other (one typed inside an injected block, one above it).
func discover(fset *token.FileSet, f *ast.File, src []byte) (targets []*target, diags []Diagnostic) {
	pos := func(c *ast.Comment, off int) token.Position { return fset.Position(c.Slash + token.Pos(off)) }
	byComment := map[*ast.Comment]*target{}
	add := func(c *ast.Comment, t *target) {
		d, err := parseDirective(c.Text)
		if err != nil {
			de := err.(*directiveError)
			diags = append(diags, Diagnostic{pos(c, de.Offset), Error, de.Msg})
			return
		}
		if d == nil {
			return
		}
		t.comment, t.dir = c, d
		byComment[c] = t
		targets = append(targets, t)
	}
	handled := map[*ast.Comment]bool{}

	// Doc comments of functions and methods.
	for _, decl := range f.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Doc == nil {
			continue
		}
		for _, c := range fd.Doc.List {
			if isDirective(c.Text) {
				handled[c] = true
				add(c, &target{decl: fd})
			}
		}
	}

	// Directives inside function bodies, above statements.
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if want := spacedDirective(c.Text); want != "" {
				diags = append(diags, Diagnostic{pos(c, 0), Misplaced, fmt.Sprintf("%q is not a directive (no space may follow //): write %s", c.Text, want)})
				continue
			}
			if handled[c] || !isDirective(c.Text) || isMarker(c.Text) {
				continue
			}
			handled[c] = true
			d, err := parseDirective(c.Text)
			if err != nil {
				de := err.(*directiveError)
				diags = append(diags, Diagnostic{pos(c, de.Offset), Error, de.Msg})
				continue
			}
			outer := enclosingFunc(f, c.Pos())
			if outer == nil {
				diags = append(diags, Diagnostic{pos(c, 0), Misplaced, fmt.Sprintf("%s does nothing here: put it in the doc comment of a function or method, or on its own line above a statement with one function literal", directiveWord(d))})
				continue
			}
			stmt := stmtAfter(fset, outer.Body, fset.Position(cg.End()).Line)
			if stmt == nil || !ownLine(fset, src, c) {
				diags = append(diags, Diagnostic{pos(c, 0), Misplaced, fmt.Sprintf("%s does nothing here: put it on its own line directly above a statement with one function literal", directiveWord(d))})
				continue
			}
			lits := funcLits(stmt)
			switch len(lits) {
			case 0:
				diags = append(diags, Diagnostic{pos(c, 0), Misplaced, fmt.Sprintf("%s does nothing here: the statement below has no function literal", directiveWord(d))})
			case 1:
				add(c, &target{lit: lits[0], outer: outer})
			default:
				diags = append(diags, Diagnostic{pos(c, 0), Error, fmt.Sprintf("%s is ambiguous: the statement below has %d function literals (move the one to trace into its own statement)", directiveWord(d), len(lits))})
			}
		}
	}
	sort.Slice(targets, func(i, j int) bool { return targets[i].comment.Pos() < targets[j].comment.Pos() })

	// One directive per function.
	seen := map[ast.Node]*target{}
	var kept []*target
	for _, t := range targets {
		if prev, ok := seen[t.node()]; ok {
			diags = append(diags, Diagnostic{pos(t.comment, 0), Error, fmt.Sprintf("second directive for the same function (first at %s)", fset.Position(prev.comment.Pos()))})
			continue
		}
		seen[t.node()] = t
		kept = append(kept, t)
	}
	return kept, diags
}

func directiveWord(d *parsedDirective) string {
	if d.Kind == kindIgnore {
		return "//trace:ignore"
	}
	return "//trace:span"
}

func enclosingFunc(f *ast.File, p token.Pos) *ast.FuncDecl {
	for _, decl := range f.Decls {
		if fd, ok := decl.(*ast.FuncDecl); ok && fd.Body != nil && fd.Body.Lbrace < p && p < fd.Body.Rbrace {
			return fd
		}
	}
	return nil
}

// stmtAfter returns the outermost statement in body that starts on line+1.
func stmtAfter(fset *token.FileSet, body *ast.BlockStmt, line int) ast.Stmt {
	var found ast.Stmt
	ast.Inspect(body, func(n ast.Node) bool {
		if found != nil {
			return false
		}
		if s, ok := n.(ast.Stmt); ok && n != body {
			if _, block := s.(*ast.BlockStmt); !block && fset.Position(s.Pos()).Line == line+1 {
				found = s
				return false
			}
		}
		return true
	})
	return found
}

// ownLine reports whether nothing but space precedes c on its line.
func ownLine(fset *token.FileSet, src []byte, c *ast.Comment) bool {
	off := fset.Position(c.Slash).Offset
	for i := off - 1; i >= 0 && i < len(src); i-- {
		switch src[i] {
		case '\n':
			return true
		case ' ', '\t':
		default:
			return false
		}
	}
	return true
}

// funcLits returns the function literals of n that are not inside another
// function literal of n.
func funcLits(n ast.Node) []*ast.FuncLit {
	var lits []*ast.FuncLit
	ast.Inspect(n, func(n ast.Node) bool {
		if l, ok := n.(*ast.FuncLit); ok {
			lits = append(lits, l)
			return false
		}
		return true
	})
	return lits
}

// unusedDirectives reports the directives of a file that traceinject does
// not instrument (a test file, a cgo file): why names the reason.
func unusedDirectives(name string, src []byte, why string) []Diagnostic {
	fset := token.NewFileSet()
	f, _ := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
	if f == nil {
		return nil
	}
	var diags []Diagnostic
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			d, err := parseDirective(c.Text)
			if err != nil || d == nil {
				continue
			}
			diags = append(diags, Diagnostic{fset.Position(c.Slash), Misplaced, fmt.Sprintf("%s does nothing here: %s", directiveWord(d), why)})
		}
	}
	return diags
}

// testFileDirectives reports the directives in the test files of the
// listed packages: test files are not instrumented.
func testFileDirectives(listed []*packages.Package, overlay map[string][]byte) []Diagnostic {
	var diags []Diagnostic
	seen := map[string]bool{}
	for _, p := range listed {
		if len(p.GoFiles) == 0 {
			continue
		}
		dir := filepath.Dir(p.GoFiles[0])
		if seen[dir] {
			continue
		}
		seen[dir] = true
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if !strings.HasSuffix(e.Name(), "_test.go") || e.IsDir() {
				continue
			}
			name := filepath.Join(dir, e.Name())
			src, err := readFile(name, overlay)
			if err != nil || !bytes.Contains(src, []byte(tracePrefix)) {
				continue
			}
			diags = append(diags, unusedDirectives(name, src, "test files are not instrumented")...)
		}
	}
	return diags
}

// cgoFileDirectives reports the directives in p's Go files that have no
// syntax tree of their own: files that import "C", which the type checker
// sees only as cgo's output.
func cgoFileDirectives(p *packages.Package, own map[*ast.File]string, overlay map[string][]byte) []Diagnostic {
	have := map[string]bool{}
	for _, name := range own {
		have[filepath.Clean(name)] = true
	}
	var diags []Diagnostic
	for _, name := range p.GoFiles {
		if have[filepath.Clean(name)] {
			continue
		}
		src, err := readFile(name, overlay)
		if err != nil || !bytes.Contains(src, []byte(tracePrefix)) {
			continue
		}
		diags = append(diags, unusedDirectives(name, src, `traceinject does not rewrite files that import "C" (cgo); move the function to a file without cgo`)...)
	}
	return diags
}
