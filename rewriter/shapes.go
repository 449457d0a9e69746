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

// The code shapes traceinject writes, each rendered from its template in
// templates/inject and recognised by matching the same template, rendered
// with holes (placeholder identifiers) where the names it is given go, so
// that editing a template changes rendering and recognition together and
// -remove of code the tool wrote cannot silently break (TestShapes checks
// render, recognise, remove for every shape; TestEditedTemplates that an
// edited template reaches both):
//
//   - the prologue (context.tmpl, gin.tmpl), rendered between the markers
//     of marker.go, and recognised by matching its first statement
//     (prologueVars) and its last (prologueErr) against every variant;
//   - the threading rewrites inside an annotated body (withspan.tmpl,
//     newrequest.tmpl), rendered by withSpan and threadNewRequest and
//     recognised by isWithSpan and unthreadNewRequest;
//   - an added context parameter (param.tmpl: addContextParam) and the
//     argument a call passes to it (arg.tmpl: contextArg), which -remove
//     keeps: they are ordinary code once added, and the plan (addctx.go)
//     says where they are due;
//   - names the tool gives an unnamed or _ context parameter and an unnamed
//     error result (renameFields), recognised by applying renameFields to
//     the lists the begin marker records (namedFrom) and undone by putting
//     those lists back (restoreFields); a list the user changed since stays.
//     This one stays in Go: it is one identifier before a type the user
//     wrote, which a template could only spell as Go's grammar does, and the
//     marker's record restores the user's bytes exactly.

// Holes: identifiers (and the operation name's string) that a shape is
// rendered with in place of its data. Rendering fills them (fill);
// recognising binds them to whatever stands in their place (matchShape).
const (
	holeCtx  = "__ctx"
	holeSpan = "__span"
	holeName = "__name"
	holeX    = "__x"
	holeErr  = "__err"
	holeArgs = "__args" // the arguments of a call, after the ones a shape adds
)

// shapeSet is one set of templates and its shapes, rendered once with
// holes: the patterns that recognise the prologue (which is rendered with
// each function's data), and every other shape, which rendering fills and
// recognising matches.
type shapeSet struct {
	templates  *inject.Templates
	prologue   []prologuePattern
	withSpan   dst.Expr             // runtime.WithSpan(__x, __span)
	newRequest *dst.CallExpr        // http.NewRequestWithContext(runtime.Background(__span), __args)
	param      *dst.Field           // __ctx context.Context
	arg        map[argKind]dst.Expr // __ctx, tracegin.RequestContext(__ctx), __ctx.Context(), context.TODO()
}

// shapes is the set rendered from the tool's own templates, on first use.
// Tests swap in a set made from edited templates.
var shapes = sync.OnceValue(func() *shapeSet {
	s, err := newShapeSet(inject.Shapes)
	if err != nil {
		panic(err) // the tool's own templates: TestShapes renders every one
	}
	return s
})

func newShapeSet(t *inject.Templates) (*shapeSet, error) {
	s := &shapeSet{templates: t, arg: map[argKind]dst.Expr{}}
	var err error
	if s.prologue, err = prologuePatterns(t); err != nil {
		return nil, err
	}
	if s.withSpan, err = t.RenderExpr(inject.WithSpan, inject.Data{X: holeX, Span: holeSpan}); err != nil {
		return nil, err
	}
	x, err := t.RenderExpr(inject.NewRequest, inject.Data{Span: holeSpan, Args: holeArgs})
	if err != nil {
		return nil, err
	}
	call, ok := x.(*dst.CallExpr)
	if !ok || len(call.Args) == 0 || !isHole(call.Args[len(call.Args)-1], holeArgs) {
		return nil, fmt.Errorf("shape %s is not a call ending with the original call's arguments", inject.NewRequest)
	}
	s.newRequest = call
	if s.param, err = t.RenderParam(inject.Param, inject.Data{Ctx: holeCtx}); err != nil {
		return nil, err
	}
	for kind, d := range map[argKind]inject.Data{
		argVar:    {Ctx: holeCtx},
		argGin:    {Gin: holeCtx},
		argMethod: {Owner: holeCtx},
		argTODO:   {},
	} {
		if s.arg[kind], err = t.RenderExpr(inject.Arg, d); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// The prologue.

// prologue renders the injected block of e, markers included.
func prologue(e *funcEdit) ([]dst.Stmt, error) {
	stmts, err := shapes().templates.Render(prologueShape(e))
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

// prologuePattern is the first and last statements of one variant of the
// prologue, rendered with holes.
type prologuePattern struct {
	stmt, end dst.Stmt
	gin       bool
}

// prologuePatterns renders every variant of the prologue.
func prologuePatterns(t *inject.Templates) ([]prologuePattern, error) {
	var out []prologuePattern
	for _, gin := range []bool{false, true} {
		for _, named := range []bool{false, true} {
			for _, follows := range []bool{false, true} {
				shape, d := inject.Context, inject.Data{Span: holeSpan, Name: holeName, Named: named, Follows: follows, Ctx: holeCtx, Err: holeErr}
				if gin {
					shape, d.Ctx, d.Gin = inject.Gin, "", holeCtx
				} else if named {
					continue // the context shape does not use Named
				}
				stmts, err := t.Render(shape, d)
				if err != nil {
					return nil, err
				}
				out = append(out, prologuePattern{stmts[0], stmts[len(stmts)-1], gin})
			}
		}
	}
	return out, nil
}

// prologueVars recognises the first statement of an injected block and
// reads from it the span variable and the carrier (the context variable,
// or the *gin.Context parameter of the gin shape).
func prologueVars(s dst.Stmt) (span string, gin bool, carrier string, ok bool) {
	for _, pat := range shapes().prologue {
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

// prologueErr reads the error result's name from the last statement of an
// injected block: "" when the block does not name one.
func prologueErr(s dst.Stmt) string {
	for _, pat := range shapes().prologue {
		holes := map[string]dst.Node{holeCtx: nil, holeSpan: nil, holeErr: nil}
		if matchShape(pat.end, s, holes) {
			if id, ok := holes[holeErr].(*dst.Ident); ok {
				return id.Name
			}
		}
	}
	return ""
}

// Threading.

// withSpan wraps x (withspan.tmpl), moving x's decorations (line breaks,
// comments) to the wrapping call so that unwrapping can put them back.
func withSpan(x dst.Expr, span string) dst.Expr {
	decs := *x.Decorations()
	*x.Decorations() = dst.NodeDecs{}
	w := fill(shapes().withSpan, map[string]dst.Node{holeX: x, holeSpan: dst.NewIdent(span)}).(dst.Expr)
	*w.Decorations() = decs
	return w
}

// isWithSpan reports whether x is withSpan(_, span) and returns its
// first argument.
func isWithSpan(x dst.Node, span string) (dst.Expr, bool) {
	holes := map[string]dst.Node{holeX: nil, holeSpan: dst.NewIdent(span)}
	if !matchShape(shapes().withSpan, x, holes) {
		return nil, false
	}
	return holes[holeX].(dst.Expr), true
}

// threadNewRequest turns call, http.NewRequest(args...), into
// newrequest.tmpl with the same arguments:
// http.NewRequestWithContext(runtime.Background(span), args...).
func threadNewRequest(call *dst.CallExpr, span string) {
	fn, ok := call.Fun.(*dst.Ident)
	if !ok {
		return
	}
	pat := fill(shapes().newRequest, map[string]dst.Node{holeSpan: dst.NewIdent(span)}).(*dst.CallExpr)
	*pat.Fun.Decorations() = fn.Decs.NodeDecs
	call.Fun = pat.Fun
	call.Args = append(pat.Args[:len(pat.Args)-1], call.Args...)
}

// unthreadNewRequest undoes threadNewRequest, and what earlier versions
// wrote for http.NewRequest (see isSpanContext), in call.
func unthreadNewRequest(call *dst.CallExpr, span string, gin bool, carrier string) {
	fn, ok := call.Fun.(*dst.Ident)
	if !ok {
		return
	}
	pat := shapes().newRequest
	added := pat.Args[:len(pat.Args)-1]
	if len(call.Args) < len(added) {
		return
	}
	holes := map[string]dst.Node{holeSpan: dst.NewIdent(span)}
	match := matchShape(pat.Fun, fn, holes)
	for i, a := range added {
		match = match && matchShape(a, call.Args[i], holes)
	}
	if !match {
		// Earlier versions: NewRequestWithContext(WithSpan(C, span), args...).
		if fn.Path != "net/http" || fn.Name != "NewRequestWithContext" || len(call.Args) < 1 {
			return
		}
		x, old := isWithSpan(call.Args[0], span)
		if !old || !isSpanContext(x, gin, carrier) {
			return
		}
		added = call.Args[:1]
	}
	fn.Name, fn.Path = "NewRequest", "net/http"
	call.Args = call.Args[len(added):]
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

// signature is the text of a function's parameter and result lists.
type signature struct {
	params, results string
}

// restoreFields puts back the parameter and result lists the begin marker
// a recorded, in ft, when the lists are now the recorded ones with the
// names renameFields gave them (namedFrom): carrier to the context
// parameter, errName to the error result. A list the user has changed
// since stays as it is, names and all, and is left out of the attributes
// returned. imports maps the file's import names to their paths.
func restoreFields(ft *dst.FuncType, a beginAttrs, now signature, carrier, errName string, imports map[string]string) (beginAttrs, error) {
	if a.params != "" && !namedFrom(a.params, now.params, false, carrier) {
		a.params = ""
	}
	if a.results != "" && !namedFrom(a.results, now.results, true, errName) {
		a.results = ""
	}
	if a.params == "" && a.results == "" {
		return a, nil
	}
	ps, rs, err := parseFieldLists(a.params, a.results)
	if err != nil {
		return a, err
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
	return a, nil
}

// namedFrom recognises the names renameFields gives: it reports whether
// now, the text of a parameter (or result) list, is recorded, the text
// before the tool named it, with name given to one unnamed or _ parameter
// (to the last result) and _ to every other unnamed one.
func namedFrom(recorded, now string, results bool, name string) bool {
	parse := func(text string) *dst.FieldList {
		if results {
			_, rs, _ := parseFieldLists("", text)
			return rs
		}
		ps, _, _ := parseFieldLists(text, "")
		return ps
	}
	cur := parse(now)
	if cur == nil || name == "" {
		return false
	}
	names := dstFieldNames(parse(recorded))
	for i := range names {
		if names[i] != "" && names[i] != "_" || results && i != len(names)-1 {
			continue
		}
		given := map[int]string{i: name}
		for j, n := range names {
			if n == "" && j != i {
				given[j] = "_"
			}
		}
		named := parse(recorded)
		renameFields(named, given)
		if matchShape(&dst.FieldList{List: named.List}, &dst.FieldList{List: cur.List}, nil) {
			return true
		}
	}
	return false
}

// dstFieldNames lists the names of fl's fields, "" for a field without.
func dstFieldNames(fl *dst.FieldList) []string {
	var names []string
	if fl == nil {
		return nil
	}
	for _, f := range fl.List {
		if len(f.Names) == 0 {
			names = append(names, "")
		}
		for _, id := range f.Names {
			names = append(names, id.Name)
		}
	}
	return names
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

// addContextParam makes param.tmpl, named name, the first parameter of ft,
// on a line of its own when the parameters are.
func addContextParam(ft *dst.FuncType, name string) {
	field := fill(shapes().param, map[string]dst.Node{holeCtx: dst.NewIdent(name)}).(*dst.Field)
	if ft.Params == nil {
		ft.Params = &dst.FieldList{Opening: true, Closing: true}
	}
	if len(ft.Params.List) > 0 && ft.Params.List[0].Decs.Before == dst.NewLine {
		field.Decs.Before = dst.NewLine
	}
	ft.Params.List = append([]*dst.Field{field}, ft.Params.List...)
}

// contextArg is the argument a call passes to a context parameter the tool
// added (arg.tmpl).
func contextArg(arg ctxArg) dst.Expr {
	return fill(shapes().arg[arg.kind], map[string]dst.Node{holeCtx: dst.NewIdent(arg.name)}).(dst.Expr)
}

// fill returns a copy of pat, a shape rendered with holes, with every hole
// replaced by its node in holes. A node filled in gets the decorations
// (comments, line breaks) the template gave its hole.
func fill(pat dst.Node, holes map[string]dst.Node) dst.Node {
	return dstutil.Apply(dst.Clone(pat), nil, func(c *dstutil.Cursor) bool {
		if id, ok := c.Node().(*dst.Ident); ok && id.Path == "" {
			if n, ok := holes[id.Name]; ok {
				*n.Decorations() = id.Decs.NodeDecs
				c.Replace(n)
			}
		}
		return true
	})
}

// isHole reports whether x is the hole named hole.
func isHole(x dst.Expr, hole string) bool {
	id, ok := x.(*dst.Ident)
	return ok && id.Path == "" && id.Name == hole
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
