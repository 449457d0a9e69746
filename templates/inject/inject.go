// Package inject holds the code shapes that traceinject writes, one
// text/template per shape: the prologues of annotated functions, the
// threading rewrites inside their bodies, and the context parameter and
// argument added where a function had no context. A shape renders to Go (statements, an
// expression or a parameter), is parsed into a dst tree and handed to the
// rewriter, so the written code is always syntactically checked and
// references packages by import path, never by a guessed name. The
// rewriter recognises written code (for -remove and staleness) by matching
// it against the same templates rendered with placeholders (rewriter/shapes.go).
package inject

import (
	"bytes"
	"embed"
	"fmt"
	"go/token"
	"io/fs"
	"strconv"
	"strings"
	"text/template"

	"github.com/dave/dst"
	"github.com/dave/dst/decorator"
	"github.com/dave/dst/decorator/resolver/goast"
)

// Import paths the shapes reference.
const (
	RuntimePath  = "github.com/traceinject/traceinject/runtime"
	TraceginPath = "github.com/traceinject/traceinject/runtime/tracegin"
)

// ShapeVersion is the version of the injected shapes, recorded in every
// //trace:begin marker the tool writes (v=N). It goes up with every change
// to the templates that a runtime older than the tool would not build or
// that an older tool would not recognise; a marker without v= was written
// before versions were recorded and is still recognised and removed. A tool
// refuses to touch a marker of a newer version than its own.
const ShapeVersion = 1

// Shape names, one per template file (NAME.tmpl).
const (
	// Prologues, rendered as statements.
	Context = "context" // a function with a context.Context parameter
	Gin     = "gin"     // a function with a *gin.Context parameter

	// Threading rewrites, rendered as expressions.
	WithSpan   = "withspan"   // context.Background() or context.TODO() given the span
	NewRequest = "newrequest" // http.NewRequest(args) given context.Background() plus the span

	// A context for a function that had none.
	Param = "param" // the added parameter, rendered as a parameter
	Arg   = "arg"   // what a call passes to it, rendered as an expression
)

//go:embed *.tmpl
var files embed.FS

// funcs is the one FuncMap every template shares.
var funcs = template.FuncMap{
	"quote": strconv.Quote,
}

// Templates is a parsed set of shape templates.
type Templates struct {
	t *template.Template
}

// Shapes are the templates the tool is built with.
var Shapes = &Templates{template.Must(template.New("").Funcs(funcs).ParseFS(files, "*.tmpl"))}

// Parse parses the shape templates (*.tmpl) of fsys: an edited copy of the
// tool's own, in tests that show an edit reaches rendering and recognition.
func Parse(fsys fs.FS) (*Templates, error) {
	t, err := template.New("").Funcs(funcs).ParseFS(fsys, "*.tmpl")
	if err != nil {
		return nil, err
	}
	return &Templates{t}, nil
}

// Tag is one tag set at span start.
type Tag struct {
	Key  string
	Expr string // Go expression, already checked by the caller
}

// Data fills a shape. Each shape reads the fields its comment names.
type Data struct {
	Ctx     string // context, param: the context variable (a parameter); arg: a context variable to pass
	Gin     string // gin: the *gin.Context parameter; arg: a *gin.Context whose request context to pass
	Owner   string // arg: a value whose Context method gives the context to pass (*http.Request, *testing.T, ...)
	Span    string // prologues, threading: the span variable
	Name    string // prologues: operation name: the directive's, or the function's default name (p.F)
	Named   bool   // gin: Name is the directive's, used in every case
	Follows bool   // prologues
	Tags    []Tag  // prologues
	Err     string // prologues: name of the error result, or "" when there is none
	X       string // withspan: the context expression given the span
	Args    string // newrequest: the arguments of the call, which follow the context
}

// The fragment the shapes are rendered into. The import names are chosen so
// that no user tag expression can refer to them by accident.
const header = `package _

import (
	__context "context"
	__http "net/http"
	__traceruntime "` + RuntimePath + `"
	__tracegin "` + TraceginPath + `"
)

`

type pathResolver map[string]string

func (r pathResolver) ResolvePackage(path string) (string, error) {
	if n, ok := r[path]; ok {
		return n, nil
	}
	return "", fmt.Errorf("unknown package %s", path)
}

// Render renders a shape of statements (a prologue). Identifiers of
// packages carry their import path (dst.Ident.Path) so that the caller's
// restorer names them as the target file requires.
func (ts *Templates) Render(shape string, d Data) ([]dst.Stmt, error) {
	fn, err := ts.render(shape, d, "func _() {\n", "\n}\n")
	if err != nil {
		return nil, err
	}
	stmts := fn.Body.List
	fn.Body.List = nil
	for _, s := range stmts {
		s.Decorations().Before = dst.NewLine
		s.Decorations().After = dst.NewLine
	}
	return stmts, nil
}

// RenderExpr renders a shape that is one expression (a threading rewrite,
// the added argument).
func (ts *Templates) RenderExpr(shape string, d Data) (dst.Expr, error) {
	fn, err := ts.render(shape, d, "func _() {\n\t_ = ", "\n}\n")
	if err != nil {
		return nil, err
	}
	if len(fn.Body.List) == 1 {
		if as, ok := fn.Body.List[0].(*dst.AssignStmt); ok && len(as.Rhs) == 1 {
			return as.Rhs[0], nil
		}
	}
	return nil, fmt.Errorf("shape %s renders more than one expression", shape)
}

// RenderParam renders a shape that is one named parameter (the added
// context parameter).
func (ts *Templates) RenderParam(shape string, d Data) (*dst.Field, error) {
	fn, err := ts.render(shape, d, "func _(", ") {}\n")
	if err != nil {
		return nil, err
	}
	if ps := fn.Type.Params.List; len(ps) == 1 && len(ps[0].Names) == 1 {
		return ps[0], nil
	}
	return nil, fmt.Errorf("shape %s renders other than one named parameter", shape)
}

// render executes the shape's template between open and close in a file of
// its own, and parses that file.
func (ts *Templates) render(shape string, d Data, open, close string) (*dst.FuncDecl, error) {
	var text bytes.Buffer
	if err := ts.t.ExecuteTemplate(&text, shape+".tmpl", d); err != nil {
		return nil, err
	}
	src := header + open + strings.TrimSpace(text.String()) + close
	dec := decorator.NewDecoratorWithImports(token.NewFileSet(), "_", goast.WithResolver(pathResolver{
		"context":    "context",
		"net/http":   "http",
		RuntimePath:  "runtime",
		TraceginPath: "tracegin",
	}))
	f, err := dec.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("shape %s renders invalid Go: %v\n%s", shape, err, numbered(src))
	}
	return f.Decls[len(f.Decls)-1].(*dst.FuncDecl), nil
}

func numbered(src string) string {
	var b strings.Builder
	for i, line := range strings.Split(src, "\n") {
		fmt.Fprintf(&b, "%5d\t%s\n", i+1, line)
	}
	return b.String()
}
