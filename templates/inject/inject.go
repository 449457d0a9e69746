// Package inject holds the code shapes that traceinject splices into
// annotated functions, one text/template per shape. A shape renders to Go
// statements, is parsed into a dst tree and handed to the rewriter, so the
// injected code is always syntactically checked and references packages by
// import path, never by a guessed name.
package inject

import (
	"bytes"
	"embed"
	"fmt"
	"go/token"
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

// Shape names, one per template file.
const (
	Context = "context" // a function with a context.Context parameter
	Gin     = "gin"     // a function with a *gin.Context parameter
)

//go:embed *.tmpl
var files embed.FS

// funcs is the one FuncMap every template shares.
var funcs = template.FuncMap{
	"quote": strconv.Quote,
}

var templates = template.Must(template.New("").Funcs(funcs).ParseFS(files, "*.tmpl"))

// Tag is one tag set at span start.
type Tag struct {
	Key  string
	Expr string // Go expression, already checked by the caller
}

// Data fills a shape.
type Data struct {
	Ctx     string // context shape: the context variable (a parameter)
	Gin     string // gin shape: the *gin.Context parameter
	Span    string // the span variable to declare
	Name    string // operation name: the directive's, or the function's default name (p.F)
	Named   bool   // Name is the directive's: the gin shape uses it in every case
	Follows bool
	Tags    []Tag
	Err     string // name of the error result, or "" when there is none
}

// The fragment the shapes are rendered into. The import names are chosen so
// that no user tag expression can refer to them by accident.
const header = `package _

import (
	__traceruntime "` + RuntimePath + `"
	__tracegin "` + TraceginPath + `"
)

func _() {
`

type pathResolver map[string]string

func (r pathResolver) ResolvePackage(path string) (string, error) {
	if n, ok := r[path]; ok {
		return n, nil
	}
	return "", fmt.Errorf("unknown package %s", path)
}

// Render renders the shape and returns its statements. Identifiers of the
// runtime packages carry their import path (dst.Ident.Path) so that the
// caller's restorer names them as the target file requires.
func Render(shape string, d Data) ([]dst.Stmt, error) {
	var b bytes.Buffer
	b.WriteString(header)
	if err := templates.ExecuteTemplate(&b, shape+".tmpl", d); err != nil {
		return nil, err
	}
	b.WriteString("\n}\n")
	dec := decorator.NewDecoratorWithImports(token.NewFileSet(), "_", goast.WithResolver(pathResolver{
		RuntimePath:  "runtime",
		TraceginPath: "tracegin",
	}))
	f, err := dec.Parse(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("shape %s renders invalid Go: %v\n%s", shape, err, numbered(b.String()))
	}
	fn := f.Decls[len(f.Decls)-1].(*dst.FuncDecl)
	stmts := fn.Body.List
	fn.Body.List = nil
	for _, s := range stmts {
		s.Decorations().Before = dst.NewLine
		s.Decorations().After = dst.NewLine
	}
	return stmts, nil
}

func numbered(src string) string {
	var b strings.Builder
	for i, line := range strings.Split(src, "\n") {
		fmt.Fprintf(&b, "%5d\t%s\n", i+1, line)
	}
	return b.String()
}
