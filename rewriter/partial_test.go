package rewriter

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// shadowSrc names its imports where declarations of every kind shadow
// them, and where they do not yet.
const shadowSrc = `package p

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

type T struct{ fmt int }

func (strings T) M(errors int) (context int) {
	_ = strings.fmt + errors + context
	return
}

func F(ctx context.Context) error {
	fmt := fmt.Sprint(1) // the operand is still the package
	_ = fmt
	if http := http.MethodGet; http != "" {
		_ = strings.ToUpper(http)
	}
	for strings := range []string{strings.ToLower("A")} {
		_ = strings
	}
	var x any = ctx
	switch y := x.(type) {
	case context.Context:
		_ = y
	}
	g := func(errors []error) error { return errors[0] }
	_ = g
	{
		type http struct{ MethodGet string }
		var v http
		_ = v.MethodGet
	}
	ch := make(chan int)
	select {
	case fmt := <-ch:
		_ = fmt
	default:
	}
	var errors = errors.New("x")
	return errors
}

func G[fmt any](v fmt) fmt { return v }

func H(context context.Context, errors []error) (fmt fmt.Stringer) {
	h := func(http *http.Request, w http.ResponseWriter) { _, _ = http, w }
	_, _, _ = context, errors, h
	return nil
}

type S[strings any] struct{ v strings }
`

// TestImportRefsAsTypes checks that importRefs finds, from syntax, exactly
// the operands of selectors that types resolve to an import, on code
// whose declarations shadow its imports and on every seed of
// FuzzRoundTrip.
func TestImportRefsAsTypes(t *testing.T) {
	srcs := [][]byte{[]byte(shadowSrc)}
	for _, glob := range []struct{ archives, dir string }{
		{filepath.Join(moduleRoot(t), "testdata", "rewrite", "*.txtar"), "golden"},
		{filepath.Join(moduleRoot(t), "testdata", "rewrite", "*.txtar"), "input"},
		{filepath.Join("testdata", "roundtrip", "*.txtar"), "."},
		{filepath.Join("testdata", "diagnostics", "*.txtar"), "."},
	} {
		archives, _ := filepath.Glob(glob.archives)
		for _, a := range archives {
			ar, err := txtar.ParseFile(a)
			if err != nil {
				t.Fatal(err)
			}
			for _, file := range ar.Files {
				if path.Ext(file.Name) == ".go" && path.Dir(file.Name) == glob.dir {
					srcs = append(srcs, file.Data)
				}
			}
		}
	}
	checked := 0
	for _, src := range srcs {
		p, ok := memPackage(t, src)
		if !ok {
			if string(src) == shadowSrc {
				t.Fatal("the shadowing source does not type-check")
			}
			continue
		}
		f := p.Syntax[0]
		if !resolvesBySyntax(untyped(p), f) {
			continue
		}
		checked++
		want := map[int]string{}
		ast.Inspect(f, func(n ast.Node) bool {
			if se, ok := n.(*ast.SelectorExpr); ok {
				if x, ok := se.X.(*ast.Ident); ok {
					if pn, ok := p.TypesInfo.Uses[x].(*types.PkgName); ok {
						want[p.Fset.Position(x.Pos()).Offset] = pn.Imported().Path()
					}
				}
			}
			return true
		})
		got, err := importRefs(untyped(p), fuzzFile, src)
		if err != nil {
			t.Fatal(err)
		}
		for off, path := range want {
			if got[off] != path {
				t.Errorf("offset %d: importRefs gives %q, types %q, in:\n%s", off, got[off], path, src)
			}
		}
		for off, path := range got {
			if want[off] == "" {
				t.Errorf("offset %d: importRefs gives %q, types nothing, in:\n%s", off, path, src)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d sources checked", checked)
	}
}

// TestTypeSwitchNeedsTypes: go/parser resolves the cases of a type switch
// whose variable has an import's name to that variable, so such a file is
// stripped with types.
func TestTypeSwitchNeedsTypes(t *testing.T) {
	src := []byte(`package p

import "context"

func F(x any) {
	switch context := x.(type) {
	case context.Context:
		_ = context
	}
}
`)
	p, ok := memPackage(t, src)
	if !ok {
		t.Fatal("does not type-check")
	}
	if resolvesBySyntax(untyped(p), p.Syntax[0]) {
		t.Error("resolvesBySyntax is true for a type switch binding an import's name")
	}
	if !resolvesBySyntax(untyped(p), mustParse(t, strings.Replace(string(src), "context :=", "y :=", 1))) {
		t.Error("resolvesBySyntax is false for a type switch binding another name")
	}
}

func mustParse(t *testing.T, src string) *ast.File {
	f, err := parser.ParseFile(token.NewFileSet(), "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
