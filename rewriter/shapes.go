package rewriter

import (
	"fmt"
	"go/token"
	"reflect"
	"strings"
	"sync"

	"github.com/dave/dst"
	"github.com/dave/dst/decorator"
	"github.com/dave/dst/dstutil"

	"github.com/traceinject/traceinject/templates/inject"
)

// The code shapes traceinject writes, each next to what recognises it, so
// that changing a shape changes its recogniser with it and -remove of code
// that is already instrumented cannot silently break (TestShapes checks
// render, recognise, remove for every shape):
//
//   - the prologue, rendered from templates/inject (context.tmpl, gin.tmpl)
//     between the markers of marker.go, and recognised by matching its first
//     statement against the same templates (prologueVars);
//   - the threading rewrites inside an annotated body, rendered by withSpan,
//     background and threadNewRequest and recognised by matching the same
//     renderings (isWithSpan, isBackground, unthreadNewRequest);
//   - names the tool gives an unnamed or _ context parameter and an unnamed
//     error result (renameFields), undone from the lists the begin marker
//     records (restoreFields);
//   - an added context parameter (addContextParam) and the argument a call
//     passes to it (contextArg), which -remove keeps: they are ordinary code
//     once added, and the plan (addctx.go) says where they are due.

// The prologue.

// prologue renders the injected block of e, markers included.
func prologue(e *funcEdit) ([]dst.Stmt, error) {
	stmts, err := inject.Render(prologueShape(e))
	if err != nil {
		return nil, err
	}
	stmts[0].Decorations().Start.Append(e.marker().String())
	stmts[len(stmts)-1].Decorations().End.Append("\n", endMarker)
	return stmts, nil
}

func prologueShape(e *funcEdit) (string, inject.Data) {
	data := inject.Data{Span: e.span, Name: e.name, Named: e.named, Follows: e.follows, Tags: e.tags, Err: e.errName}
	if e.shape == shapeGin {
		data.Gin = e.ctxName
		return inject.Gin, data
	}
	data.Ctx = e.ctxName
	return inject.Context, data
}

// Holes of the patterns: identifiers (and the operation name's string)
// that a rendered shape's match binds to whatever stands in their place.
const (
	holeCtx  = "__ctx"
	holeSpan = "__span"
	holeName = "__name"
	holeX    = "__x"
)

// prologuePattern is the first statement of one variant of the prologue,
// rendered with holes.
type prologuePattern struct {
	stmt dst.Stmt
	gin  bool
}

// prologuePatterns renders every variant of the prologue, once.
var prologuePatterns = sync.OnceValue(func() []prologuePattern {
	var out []prologuePattern
	for _, gin := range []bool{false, true} {
		for _, named := range []bool{false, true} {
			for _, follows := range []bool{false, true} {
				shape, d := inject.Context, inject.Data{Span: holeSpan, Name: holeName, Named: named, Follows: follows, Ctx: holeCtx}
				if gin {
					shape, d.Ctx, d.Gin = inject.Gin, "", holeCtx
				} else if named {
					continue // the context shape does not use Named
				}
				stmts, err := inject.Render(shape, d)
				if err != nil {
					panic(err) // the templates are the tool's own
				}
				out = append(out, prologuePattern{stmts[0], gin})
			}
		}
	}
	return out
})

// prologueVars recognises the first statement of an injected block and
// reads from it the span variable and the carrier (the context variable,
// or the *gin.Context parameter of the gin shape).
func prologueVars(s dst.Stmt) (span string, gin bool, carrier string, ok bool) {
	for _, pat := range prologuePatterns() {
		holes := map[string]dst.Node{holeCtx: nil, holeSpan: nil, holeName: nil}
		if !matchShape(pat.stmt, s, holes) {
			continue
		}
		sp, ok1 := holes[holeSpan].(*dst.Ident)
		c, ok2 := holes[holeCtx].(*dst.Ident)
		if !ok1 || !ok2 {
			return "", false, "", false
		}
		return sp.Name, pat.gin, c.Name, true
	}
	return "", false, "", false
}

// Threading.

// withSpan wraps x, moving x's decorations (line breaks, comments) to the
// wrapping call so that unwrapping can put them back.
func withSpan(x dst.Expr, span string) dst.Expr {
	call := &dst.CallExpr{
		Fun:  &dst.Ident{Name: "WithSpan", Path: inject.RuntimePath},
		Args: []dst.Expr{x, dst.NewIdent(span)},
	}
	call.Decs.NodeDecs = *x.Decorations()
	*x.Decorations() = dst.NodeDecs{}
	return call
}

// isWithSpan reports whether x is runtime.WithSpan(_, span) and returns its
// first argument.
func isWithSpan(x dst.Node, span string) (dst.Expr, bool) {
	holes := map[string]dst.Node{holeX: nil}
	if !matchShape(withSpan(dst.NewIdent(holeX), span), x, holes) {
		return nil, false
	}
	return holes[holeX].(dst.Expr), true
}

// background is runtime.Background(span).
func background(span string) dst.Expr {
	return &dst.CallExpr{
		Fun:  &dst.Ident{Name: "Background", Path: inject.RuntimePath},
		Args: []dst.Expr{dst.NewIdent(span)},
	}
}

// isBackground reports whether x is runtime.Background(span).
func isBackground(x dst.Expr, span string) bool {
	return matchShape(background(span), x, nil)
}

// threadNewRequest turns http.NewRequest(args...) into
// http.NewRequestWithContext(runtime.Background(span), args...).
func threadNewRequest(call *dst.CallExpr, span string) {
	id, ok := call.Fun.(*dst.Ident)
	if !ok {
		return
	}
	id.Name = "NewRequestWithContext"
	call.Args = append([]dst.Expr{background(span)}, call.Args...)
}

// unthreadNewRequest undoes threadNewRequest, and what earlier versions
// wrote for http.NewRequest (see isSpanContext), in call.
func unthreadNewRequest(call *dst.CallExpr, span string, gin bool, carrier string) {
	if len(call.Args) < 1 {
		return
	}
	fn, ok := call.Fun.(*dst.Ident)
	if !ok || fn.Path != "net/http" || fn.Name != "NewRequestWithContext" {
		return
	}
	x, old := isWithSpan(call.Args[0], span)
	if isBackground(call.Args[0], span) || old && isSpanContext(x, gin, carrier) {
		fn.Name = "NewRequest"
		call.Args = call.Args[1:]
	}
}

// isSpanContext reports whether x is the context earlier versions gave
// http.NewRequest, wrapped in runtime.WithSpan: the function's context
// parameter, or c.Request.Context() in a Gin function. Only recognised:
// this version no longer writes it.
func isSpanContext(x dst.Expr, gin bool, carrier string) bool {
	if !gin {
		id, ok := x.(*dst.Ident)
		return ok && id.Path == "" && id.Name == carrier
	}
	call, ok := x.(*dst.CallExpr)
	if !ok || len(call.Args) != 0 {
		return false
	}
	sel, ok := call.Fun.(*dst.SelectorExpr)
	if !ok || sel.Sel.Name != "Context" {
		return false
	}
	inner, ok := sel.X.(*dst.SelectorExpr)
	if !ok || inner.Sel.Name != "Request" {
		return false
	}
	id, ok := inner.X.(*dst.Ident)
	return ok && id.Name == carrier
}

// Names given to parameters and results.

// renameFields gives the i-th name of fl the name names[i]; fields without
// names get one each.
func renameFields(fl *dst.FieldList, names map[int]string) {
	if fl == nil || len(names) == 0 {
		return
	}
	i := 0
	for _, f := range fl.List {
		if len(f.Names) == 0 {
			f.Names = []*dst.Ident{dst.NewIdent(names[i])}
			i++
			continue
		}
		for _, id := range f.Names {
			if n, ok := names[i]; ok {
				id.Name = n
			}
			i++
		}
	}
}

// restoreFields puts back the parameter and result lists the begin marker
// a recorded, in ft; imports maps the file's import names to their paths.
func restoreFields(ft *dst.FuncType, a beginAttrs, imports map[string]string) error {
	if a.params == "" && a.results == "" {
		return nil
	}
	ps, rs, err := parseFieldLists(a.params, a.results)
	if err != nil {
		return err
	}
	// The restored lists name the file's imports, which must count as
	// used, or printing drops them.
	resolveQualified(ps, imports)
	resolveQualified(rs, imports)
	if a.params != "" {
		ft.Params = ps
	}
	if a.results != "" {
		ft.Results = rs
	}
	return nil
}

// parseFieldLists parses the recorded original parameter and result lists.
func parseFieldLists(params, results string) (*dst.FieldList, *dst.FieldList, error) {
	if params == "" {
		params = "()"
	}
	src := "package _\n\nfunc _" + params + " " + results + " {}\n"
	f, err := decorator.Parse(src)
	if err != nil {
		return nil, nil, fmt.Errorf("bad signature recorded in marker: %v", err)
	}
	ft := f.Decls[0].(*dst.FuncDecl).Type
	return ft.Params, ft.Results, nil
}

// resolveQualified turns every pkg.Name in fl whose pkg is one of the
// file's imports into an identifier with that import's path.
func resolveQualified(fl *dst.FieldList, imports map[string]string) {
	if fl == nil {
		return
	}
	dstutil.Apply(fl, func(c *dstutil.Cursor) bool {
		sel, ok := c.Node().(*dst.SelectorExpr)
		if !ok {
			return true
		}
		x, ok := sel.X.(*dst.Ident)
		if !ok || x.Path != "" {
			return true
		}
		path, ok := imports[x.Name]
		if !ok || path == "_" || x.Name == "_" || x.Name == "." {
			return true
		}
		id := &dst.Ident{Name: sel.Sel.Name, Path: path}
		id.Decs.NodeDecs = sel.Decs.NodeDecs
		c.Replace(id)
		return false
	}, nil)
}

// The added context parameter and the argument passed to it.

// addContextParam makes name context.Context the first parameter of ft,
// on a line of its own when the parameters are.
func addContextParam(ft *dst.FuncType, name string) {
	field := &dst.Field{Names: []*dst.Ident{dst.NewIdent(name)}, Type: &dst.Ident{Name: "Context", Path: "context"}}
	if ft.Params == nil {
		ft.Params = &dst.FieldList{Opening: true, Closing: true}
	}
	if len(ft.Params.List) > 0 && ft.Params.List[0].Decs.Before == dst.NewLine {
		field.Decs.Before = dst.NewLine
	}
	ft.Params.List = append([]*dst.Field{field}, ft.Params.List...)
}

// contextArg is the argument a call passes to a context parameter the tool
// added.
func contextArg(arg ctxArg) dst.Expr {
	switch arg.kind {
	case argVar:
		return dst.NewIdent(arg.name)
	case argGin:
		// Not NAME.Request.Context(): tests build a *gin.Context without
		// a request (gin.CreateTestContext), and the call read nothing
		// from it before.
		return &dst.CallExpr{Fun: &dst.Ident{Name: "RequestContext", Path: inject.TraceginPath}, Args: []dst.Expr{dst.NewIdent(arg.name)}}
	case argMethod:
		return &dst.CallExpr{Fun: &dst.SelectorExpr{X: dst.NewIdent(arg.name), Sel: dst.NewIdent("Context")}}
	default:
		return &dst.CallExpr{Fun: &dst.Ident{Name: "TODO", Path: "context"}}
	}
}

// matchShape reports whether n has the syntax of pat, a rendered shape,
// decorations aside. An identifier of pat (or a string literal, quoted)
// whose name is a key of holes matches any expression, which it binds
// there; a hole met again must match what it bound.
func matchShape(pat, n dst.Node, holes map[string]dst.Node) bool {
	if pat == nil || n == nil {
		return pat == nil && n == nil
	}
	var key string
	switch p := pat.(type) {
	case *dst.Ident:
		key = p.Name
	case *dst.BasicLit:
		if p.Kind == token.STRING {
			key = strings.Trim(p.Value, `"`)
		}
	}
	if bound, isHole := holes[key]; key != "" && isHole {
		if _, expr := n.(dst.Expr); !expr {
			return false
		}
		if bound != nil {
			return matchShape(bound, n, nil)
		}
		holes[key] = n
		return true
	}
	pv, nv := reflect.ValueOf(pat), reflect.ValueOf(n)
	if pv.Type() != nv.Type() || pv.Kind() != reflect.Pointer {
		return false
	}
	return matchValue(pv.Elem(), nv.Elem(), holes)
}

var (
	nodeType = reflect.TypeFor[dst.Node]()
	decsType = reflect.TypeFor[dst.NodeDecs]()
)

// matchValue compares two values of dst syntax field by field, skipping
// decorations and resolver objects.
func matchValue(p, n reflect.Value, holes map[string]dst.Node) bool {
	if p.Kind() == reflect.Interface {
		if p.IsNil() || n.IsNil() {
			return p.IsNil() && n.IsNil()
		}
		pn, ok1 := p.Interface().(dst.Node)
		nn, ok2 := n.Interface().(dst.Node)
		if ok1 && ok2 {
			return matchShape(pn, nn, holes) // a hole matches any kind of expression
		}
		p, n = p.Elem(), n.Elem()
	}
	if p.Type() != n.Type() {
		return false
	}
	switch p.Kind() {
	case reflect.Pointer:
		if p.IsNil() || n.IsNil() {
			return p.IsNil() && n.IsNil()
		}
		if p.Type().Implements(nodeType) {
			return matchShape(p.Interface().(dst.Node), n.Interface().(dst.Node), holes)
		}
		if p.Elem().Kind() != reflect.Struct {
			return true // *dst.Object, *dst.Scope: resolver state
		}
		return matchValue(p.Elem(), n.Elem(), holes)
	case reflect.Struct:
		for i := range p.NumField() {
			f := p.Type().Field(i)
			if f.Name == "Decs" || f.Type == decsType || f.Name == "Obj" || f.Name == "Scope" {
				continue
			}
			if !matchValue(p.Field(i), n.Field(i), holes) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if p.Len() != n.Len() {
			return false
		}
		for i := range p.Len() {
			if !matchValue(p.Index(i), n.Index(i), holes) {
				return false
			}
		}
		return true
	default:
		return p.Interface() == n.Interface()
	}
}
