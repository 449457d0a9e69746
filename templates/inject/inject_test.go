package inject

import (
	"bytes"
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
		stmts, err := Render(tt.shape, tt.data)
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
	if _, err := Render(Context, Data{Ctx: "ctx", Span: "span", Name: "x", Tags: []Tag{{"k", "a +"}}}); err == nil {
		t.Fatal("want an error for a tag expression that does not parse")
	}
}
