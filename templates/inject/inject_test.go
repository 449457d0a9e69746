package inject

import (
	"bytes"
	"go/token"
	"strings"
	"testing"

	"github.com/dave/dst"
	"github.com/dave/dst/decorator"
)

func TestRender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		shape string
		data  Data
		want  string
	}{
		{Context, Data{Ctx: "ctx", Span: "span", Name: "p.F", Err: "err", Tags: []Tag{{"id", "id"}, {"k", `"v"`}}}, `ctx, span := runtime.Start(ctx, "p.F")
runtime.SetTag(span, "id", id)
runtime.SetTag(span, "k", "v")
defer span.End(&err)
`},
		{Context, Data{Ctx: "c", Span: "s", Name: "x", Follows: true}, `c, s := runtime.StartFollowsFrom(c, "x")
defer s.End(nil)
`},
		{Gin, Data{Gin: "ctx", Span: "span", Name: "p.F", Tags: []Tag{{"user", `ctx.Param("id")`}}}, `span := tracegin.Start(ctx, "p.F")
runtime.SetTag(span, "user", ctx.Param("id"))
defer tracegin.End(ctx, span, nil)
`},
		{Gin, Data{Gin: "c", Span: "span", Name: "p.T.M", Follows: true, Err: "e"}, `span := tracegin.StartFollowsFrom(c, "p.T.M")
defer tracegin.End(c, span, &e)
`},
		{Gin, Data{Gin: "c", Span: "span", Name: "load user", Named: true}, `span := tracegin.StartNamed(c, "load user")
defer tracegin.End(c, span, nil)
`},
		{Gin, Data{Gin: "c", Span: "span", Name: "x", Named: true, Follows: true}, `span := tracegin.StartNamedFollowsFrom(c, "x")
defer tracegin.End(c, span, nil)
`},
	}
	for _, tt := range tests {
		stmts, err := Shapes.Render(tt.shape, tt.data)
		if err != nil {
			t.Fatal(err)
		}
		// Print the statements in a file that imports the runtime packages
		// under their own names, through an import-managing restorer.
		f := &dst.File{Name: dst.NewIdent("p"), Decls: []dst.Decl{&dst.FuncDecl{
			Name: dst.NewIdent("f"), Type: &dst.FuncType{}, Body: &dst.BlockStmt{List: stmts},
		}}}
		r := decorator.NewRestorerWithImports("p", pathResolver{RuntimePath: "runtime", TraceginPath: "tracegin"})
		var b bytes.Buffer
		if err := r.Fprint(&b, f); err != nil {
			t.Fatal(err)
		}
		got := b.String()
		body := got[bytes.Index(b.Bytes(), []byte("func f() {\n"))+len("func f() {\n"):]
		body = body[:len(body)-len("}\n")]
		var want bytes.Buffer
		for _, line := range bytes.SplitAfter([]byte(tt.want), []byte("\n")) {
			if len(line) > 0 {
				want.WriteString("\t")
				want.Write(line)
			}
		}
		if body != want.String() {
			t.Errorf("%s %+v:\n%s\nwant body:\n%s", tt.shape, tt.data, got, want.String())
		}
	}
}

func TestRenderRejectsBadExpression(t *testing.T) {
	t.Parallel()
	if _, err := Shapes.Render(Context, Data{Ctx: "ctx", Span: "span", Name: "x", Tags: []Tag{{"k", "a +"}}}); err == nil {
		t.Fatal("want an error for a tag expression that does not parse")
	}
}

// TestRenderExprAndParam pins what the threading, argument and parameter
// shapes render. Code the tool wrote stays in users' files: a change here
// that an earlier version's output would not match must raise ShapeVersion
// and keep recognising the earlier shape (TestUpgradeFromEarlierShapes).
func TestRenderExprAndParam(t *testing.T) {
	t.Parallel()
	resolver := pathResolver{"context": "context", "net/http": "http", RuntimePath: "runtime", TraceginPath: "tracegin"}
	print := func(decl dst.Decl) string {
		f := &dst.File{Name: dst.NewIdent("p"), Decls: []dst.Decl{decl}}
		var b bytes.Buffer
		if err := decorator.NewRestorerWithImports("p", resolver).Fprint(&b, f); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		return strings.TrimSpace(out[strings.LastIndex(out, "\n\n"):])
	}
	for _, tt := range []struct {
		shape string
		data  Data
		want  string
	}{
		{WithSpan, Data{X: "x", Span: "span"}, "runtime.WithSpan(x, span)"},
		{NewRequest, Data{Span: "s", Args: `"GET", u, nil`}, `http.NewRequestWithContext(runtime.Background(s), "GET", u, nil)`},
		{Arg, Data{Ctx: "ctx"}, "ctx"},
		{Arg, Data{Gin: "c"}, "tracegin.RequestContext(c)"},
		{Arg, Data{Owner: "r"}, "r.Context()"},
		{Arg, Data{}, "context.TODO()"},
	} {
		x, err := Shapes.RenderExpr(tt.shape, tt.data)
		if err != nil {
			t.Fatal(err)
		}
		got := print(&dst.GenDecl{Tok: token.VAR, Specs: []dst.Spec{&dst.ValueSpec{Names: []*dst.Ident{dst.NewIdent("_")}, Values: []dst.Expr{x}}}})
		if want := "var _ = " + tt.want; got != want {
			t.Errorf("%s %+v: %s, want %s", tt.shape, tt.data, got, want)
		}
	}
	param, err := Shapes.RenderParam(Param, Data{Ctx: "ctx"})
	if err != nil {
		t.Fatal(err)
	}
	got := print(&dst.FuncDecl{Name: dst.NewIdent("f"), Type: &dst.FuncType{Params: &dst.FieldList{List: []*dst.Field{param}}}, Body: &dst.BlockStmt{}})
	if want := "func f(ctx context.Context) {}"; got != want {
		t.Errorf("param: %s, want %s", got, want)
	}
}

func TestRenderRejectsWrongKind(t *testing.T) {
	t.Parallel()
	if _, err := Shapes.RenderExpr(Context, Data{Ctx: "ctx", Span: "span", Name: "x"}); err == nil {
		t.Error("a prologue rendered as an expression")
	}
	if _, err := Shapes.RenderParam(Arg, Data{Ctx: "ctx"}); err == nil {
		t.Error("an argument rendered as a parameter")
	}
}
