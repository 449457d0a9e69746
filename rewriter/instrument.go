package rewriter

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"github.com/dave/dst"
	"github.com/dave/dst/decorator"
	"golang.org/x/tools/go/packages"

	"github.com/traceinject/traceinject/internal/recv"
	"github.com/traceinject/traceinject/templates/inject"
)

const ginPath = "github.com/gin-gonic/gin"

// shapeKind is the form of instrumentation a function gets, decided by the types
// of its parameters.
type shapeKind int

const (
	// shapeNone: neither a context.Context nor a *gin.Context parameter.
	shapeNone shapeKind = iota
	// shapeContext: the first context.Context parameter carries the span.
	shapeContext
	// shapeGin: the *gin.Context parameter's request carries the span.
	shapeGin
)

type instrumenter struct {
	pkg *packages.Package
	ap  *addctxPlan // nil when no function gets a context parameter
}

// funcEdit is the plan for one annotated function.
type funcEdit struct {
	t        *target
	shape    shapeKind
	param    int    // index of the carrying parameter among all parameter names
	ctxName  string // name of the context or gin parameter after the edit
	span     string
	errName  string // "" when the last result is not an error
	name     string // operation name
	named    bool   // the directive names the operation
	tags     []inject.Tag
	follows  bool
	params   string // original parameter list text when it had to change
	results  string // original result list text when it had to change
	newParam map[int]string
	newRes   map[int]string
	oneLine  bool   // the body is on one line, with statements
	added    string // name of the context parameter the tool adds ("" = none)
}

// instrumentFile instruments every //trace:span target of f, the syntax of
// fr's stripped content, and returns the result and the map between
// offsets in the stripped content and in the result. Errors point into the
// current file, through fr's map.
func (in *instrumenter) instrumentFile(f *ast.File, fr *fileState) ([]byte, *posMap, []Diagnostic) {
	var diags []Diagnostic
	fail := func(t *target, off int, format string, args ...any) {
		diags = append(diags, errorf(fr.positionOf(in.pkg.Fset, t.comment.Slash+token.Pos(off)), format, args...))
	}
	var edits []*funcEdit
	for _, t := range fr.targets(in.pkg.Fset, f) {
		if t.dir.Kind != kindSpan {
			continue
		}
		e := in.ap.edit(t.node())
		if e == nil {
			var off int
			var err error
			if e, off, err = in.plan(t, fr.stripped); err != nil {
				fail(t, off, "%v", err)
				continue
			}
		}
		edits = append(edits, e)
	}
	if len(diags) > 0 {
		return nil, nil, diags
	}
	if len(edits) == 0 && !in.ap.fileHasArgs(f) {
		return fr.stripped, nil, nil
	}
	out, m, err := in.apply(f, fr.stripped, edits)
	if err != nil {
		return nil, nil, []Diagnostic{errorf(fr.positionOf(in.pkg.Fset, f.Package), "internal error: %v", err)}
	}
	return out, m, nil
}

// shapeOf decides the shape by parameter types: a *gin.Context parameter
// wins over a context.Context one.
func (in *instrumenter) shapeOf(ft *ast.FuncType) (shapeKind, int) {
	shape, at := shapeNone, -1
	i := 0
	for _, field := range ft.Params.List {
		typ := in.pkg.TypesInfo.TypeOf(field.Type)
		n := max(len(field.Names), 1)
		// Package gin itself (and tracegin) cannot import tracegin,
		// which imports gin: there *Context is an ordinary parameter.
		if isGinContext(typ) && in.pkg.PkgPath != ginPath && in.pkg.PkgPath != inject.TraceginPath {
			return shapeGin, i
		}
		if shape == shapeNone && isContext(typ) {
			shape, at = shapeContext, i
		}
		i += n
	}
	return shape, at
}

func isContext(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

func isGinContext(t types.Type) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	if !ok {
		return false
	}
	n, ok := types.Unalias(p.Elem()).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == ginPath && n.Obj().Name() == "Context"
}

func isError(t types.Type) bool { return types.Identical(t, types.Universe.Lookup("error").Type()) }

// plan decides everything about one function. On error, off is the byte
// offset in the directive the error is about.
func (in *instrumenter) plan(t *target, src []byte) (*funcEdit, int, error) {
	ft, body := t.funcType(), t.body()
	if body == nil {
		return nil, 0, fmt.Errorf("%s has no body to instrument", funcName(t))
	}
	e := &funcEdit{t: t, follows: t.dir.Follows, newParam: map[int]string{}, newRes: map[int]string{}}
	e.shape, e.param = in.shapeOf(ft)
	if e.shape == shapeNone {
		name, ok := in.ap.addedFor(t.decl)
		if !ok {
			if t.lit != nil {
				return nil, 0, fmt.Errorf("%s has no context.Context or *gin.Context parameter; add one (the tool adds one only to top-level functions and methods)", funcName(t))
			}
			return nil, 0, fmt.Errorf("%s has no context.Context or *gin.Context parameter", funcName(t))
		}
		// The new parameter comes first; it stays on -remove.
		e.shape, e.param, e.added = shapeContext, 0, name
	}
	names := newNamer(in.pkg.TypesInfo, ft, body)
	if e.added != "" {
		names.reserve(e.added)
	}
	// Tag expressions are evaluated at the function's entry.
	for _, tg := range t.dir.Tags {
		if err := in.typeCheckTag(body, tg.Expr); err != nil {
			return nil, tg.Offset, fmt.Errorf("tag.%s=%s: %v", tg.Key, tg.Expr, err)
		}
		names.reserveExpr(tg.Expr)
		e.tags = append(e.tags, inject.Tag{Key: tg.Key, Expr: tg.Expr})
	}

	// The carrying parameter needs a usable name.
	fieldNames, unnamed := paramNames(ft.Params)
	carrier := ""
	switch {
	case e.added != "":
		carrier = e.added
		if unnamed {
			// Named and unnamed parameters do not mix.
			for i := range fieldNames {
				e.newParam[i+1] = "_"
			}
		}
	case !unnamed:
		carrier = fieldNames[e.param]
	}
	if e.added == "" && (unnamed || carrier == "_") {
		base := "ctx"
		if e.shape == shapeGin {
			base = "c"
		}
		carrier = names.fresh(base, "trace"+strings.ToUpper(base[:1])+base[1:])
		e.params = fieldText(in.pkg.Fset, src, ft.Params)
		e.newParam[e.param] = carrier
		if unnamed {
			for i := range fieldNames {
				if i != e.param {
					e.newParam[i] = "_"
				}
			}
		}
	}
	e.ctxName = carrier
	names.reserve(carrier)

	// An error result needs a name the deferred End can see.
	if ft.Results != nil && len(ft.Results.List) > 0 {
		last := ft.Results.List[len(ft.Results.List)-1]
		if isError(in.pkg.TypesInfo.TypeOf(last.Type)) {
			resNames, resUnnamed := paramNames(ft.Results)
			lastName := ""
			if !resUnnamed {
				lastName = resNames[len(resNames)-1]
			}
			if resUnnamed || lastName == "_" {
				lastName = names.errResult(in.pkg.TypesInfo, ft, body)
				e.results = fieldText(in.pkg.Fset, src, ft.Results)
				e.newRes[len(resNames)-1] = lastName
				if resUnnamed {
					for i := 0; i < len(resNames)-1; i++ {
						e.newRes[i] = "_"
					}
				}
			}
			e.errName = lastName
			names.reserve(lastName)
		}
	}
	e.span = names.fresh("span", "traceSpan")
	fset := in.pkg.Fset
	// An empty body {} counts as one line too.
	// Unadjusted: a //line directive must not make a body one line.
	e.oneLine = fset.PositionFor(body.Lbrace, false).Line == fset.PositionFor(body.Rbrace, false).Line
	// A Gin function gets its default name too: tracegin uses it when the
	// function runs under a span already in the request, and the route
	// template when it starts the request's server span.
	e.name, e.named = t.dir.Name, t.dir.Name != ""
	if e.name == "" {
		e.name = in.defaultName(t)
	}
	return e, 0, nil
}

// typeCheckTag type-checks expr in the scope at the start of body.
func (in *instrumenter) typeCheckTag(body *ast.BlockStmt, expr string) error {
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
	x, err := parser.ParseExpr(expr)
	if err != nil {
		return err
	}
	if err := types.CheckExpr(in.pkg.Fset, in.pkg.Types, body.Lbrace+1, x, info); err != nil {
		return fmt.Errorf("%s", trimTypeErr(err))
	}
	tv := info.Types[x]
	if !tv.IsValue() {
		return fmt.Errorf("not a value")
	}
	if tup, ok := tv.Type.(*types.Tuple); ok && tup.Len() != 1 {
		return fmt.Errorf("not a single value")
	}
	return nil
}

func trimTypeErr(err error) string {
	if te, ok := err.(types.Error); ok {
		return te.Msg
	}
	return err.Error()
}

// defaultName is p.F, p.T.M, or p.F.funcN for the N-th literal in F.
func (in *instrumenter) defaultName(t *target) string {
	pkg := in.pkg.Name
	decl := t.decl
	if decl == nil {
		decl = t.outer
	}
	name := pkg + "." + decl.Name.Name
	if decl.Recv != nil && len(decl.Recv.List) == 1 {
		name = pkg + "." + recv.TypeName(decl.Recv.List[0].Type) + "." + decl.Name.Name
	}
	if t.lit != nil {
		// Number literals in source order, as the compiler names closures.
		n, found := 0, false
		ast.Inspect(decl.Body, func(x ast.Node) bool {
			if found {
				return false
			}
			if lit, ok := x.(*ast.FuncLit); ok {
				n++
				found = lit == t.lit
			}
			return !found
		})
		name += ".func" + strconv.Itoa(n)
	}
	return name
}

// paramNames flattens a field list's names; unnamed reports a list whose
// fields have no names at all.
func paramNames(fl *ast.FieldList) (names []string, unnamed bool) {
	if fl == nil {
		return nil, false
	}
	for _, f := range fl.List {
		if len(f.Names) == 0 {
			names = append(names, "")
			unnamed = true
			continue
		}
		for _, n := range f.Names {
			names = append(names, n.Name)
		}
	}
	return names, unnamed
}

func fieldText(fset *token.FileSet, src []byte, fl *ast.FieldList) string {
	return string(src[fset.Position(fl.Pos()).Offset:fset.Position(fl.End()).Offset])
}

// apply performs the planned edits on the dst form of f and prints it. The
// map takes offsets in src to offsets in the result.
func (in *instrumenter) apply(f *ast.File, src []byte, edits []*funcEdit) ([]byte, *posMap, error) {
	// Without contexts to pass (which may be anywhere in the file), only
	// the declarations of the annotated functions change.
	if !wholeFiles && in.ap == nil && len(edits) > 0 && !hasDotImport(f) {
		pf, decls := partialFile(in.pkg.Fset, f, func(d ast.Decl) bool {
			for _, e := range edits {
				if n := e.t.node(); d.Pos() <= n.Pos() && n.End() <= d.End() {
					return true
				}
			}
			return false
		})
		if decls != nil {
			out, m, err := in.applyDecls(f, pf, decls, src, edits)
			if err != errWholeFile {
				return out, m, err
			}
		}
	}
	return in.applyDecls(f, f, nil, src, edits)
}

// applyDecls is apply on pf, f itself or a partial file of f whose
// declarations are f's at the indices decls.
func (in *instrumenter) applyDecls(f, pf *ast.File, decls []int, src []byte, edits []*funcEdit) ([]byte, *posMap, error) {
	dec := decorator.NewDecoratorFromPackage(in.pkg)
	df, err := dec.DecorateFile(pf)
	if err != nil {
		return nil, nil, err
	}
	old, err := printFile(in.pkg, df, nil)
	if err != nil {
		return nil, nil, err
	}
	// Call sites that pass a context get it first: thread relies on
	// nothing but the syntax of the original file.
	needContext := in.passContexts(f, dec)
	// One name per file for each runtime package, free in every annotated
	// function and at file and package scope.
	rtName, ginName, ctxName := in.importNames(f, edits)
	needGin := usesPath(df, inject.TraceginPath) // a call passing tracegin.RequestContext(c)
	for _, e := range edits {
		if e.shape == shapeGin {
			needGin = true
		}
	}
	targets := map[ast.Node]bool{}
	for _, e := range edits {
		targets[e.t.node()] = true
	}
	for _, e := range edits {
		if err := in.applyOne(dec, e, targets); err != nil {
			return nil, nil, err
		}
		needContext = needContext || e.added != ""
	}
	var imports importChange
	named := func(path, name string) importSpec {
		if name == defaultImportName(path) {
			name = ""
		}
		return importSpec{path: path, name: name}
	}
	if needContext {
		ensureStdImport(df, "context")
	}
	if len(edits) > 0 {
		ensureImport(df, inject.RuntimePath, rtName)
	}
	if needGin {
		ensureImport(df, inject.TraceginPath, ginName)
	}
	for _, is := range []importSpec{{"context", ctxName}, {inject.RuntimePath, rtName}, {inject.TraceginPath, ginName}} {
		if usesPath(df, is.path) {
			imports.add = append(imports.add, named(is.path, is.name))
		}
	}
	out, err := printFile(in.pkg, df, map[string]string{inject.RuntimePath: rtName, inject.TraceginPath: ginName, "context": ctxName})
	if err != nil {
		return nil, nil, err
	}
	sd := &side{src: src, fset: in.pkg.Fset, f: f}
	return spliceDecls(in.pkg.Fset.Position(f.Pos()).Filename, src, sd, old, out, decls, nil, imports)
}

// printFile prints df through an import-managing restorer whose package
// names come from the type checker, never from guessing at import paths.
func printFile(p *packages.Package, df *dst.File, names map[string]string) ([]byte, error) {
	res := decorator.NewRestorerWithImports(p.PkgPath, packageNames(p))
	fr := res.FileRestorer()
	for path, name := range names {
		if name != "" && name != defaultImportName(path) {
			fr.Alias[path] = name
		}
	}
	var b bytes.Buffer
	if err := fr.Fprint(&b, df); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func defaultImportName(path string) string {
	switch path {
	case inject.RuntimePath:
		return "runtime"
	case inject.TraceginPath:
		return "tracegin"
	case "context":
		return "context"
	}
	return ""
}

type nameResolver map[string]string

func (r nameResolver) ResolvePackage(path string) (string, error) {
	if n, ok := r[path]; ok {
		return n, nil
	}
	return "", fmt.Errorf("package %s is not imported by the loaded package", path)
}

func packageNames(p *packages.Package) nameResolver {
	r := nameResolver{inject.RuntimePath: "runtime", inject.TraceginPath: "tracegin", "context": "context"}
	if p.Types == nil {
		// A package stripped without types: its listing has the names.
		for _, q := range p.Imports {
			r[q.PkgPath] = q.Name
		}
		return r
	}
	for _, imp := range p.Types.Imports() {
		r[imp.Path()] = imp.Name()
	}
	return r
}

// importNames picks the names the runtime packages get in f.
func (in *instrumenter) importNames(f *ast.File, edits []*funcEdit) (rt, gin, ctx string) {
	taken := map[string]bool{}
	existing := map[string]string{}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		name := ""
		if imp.Name != nil {
			name = imp.Name.Name
		} else if pn, ok := in.pkg.TypesInfo.Implicits[imp].(*types.PkgName); ok {
			name = pn.Name()
		}
		existing[path] = name
		taken[name] = true
	}
	// A new import's name must not be any identifier of the file: a call
	// site passing context.TODO() may sit where a local named context
	// shadows it (found by the round-trip corpus in x/net/html).
	ast.Inspect(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			obj := in.pkg.TypesInfo.Uses[id]
			if obj == nil {
				obj = in.pkg.TypesInfo.Defs[id]
			}
			if _, isPkg := obj.(*types.PkgName); !isPkg && obj != nil {
				taken[id.Name] = true
			}
		}
		return true
	})
	for _, e := range edits {
		ast.Inspect(e.t.node(), func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				ast.Inspect(n.X, func(m ast.Node) bool {
					if id, ok := m.(*ast.Ident); ok {
						taken[id.Name] = true
					}
					return true
				})
				return false
			case *ast.Ident:
				taken[n.Name] = true
			}
			return true
		})
		for _, tg := range e.tags {
			for _, id := range exprIdents(tg.Expr) {
				taken[id] = true
			}
		}
		taken[e.span] = true
		taken[e.ctxName] = true
		taken[e.errName] = true
	}
	pick := func(path, base, alt string) string {
		if name, ok := existing[path]; ok && name != "_" && name != "." {
			return name
		}
		for i := 0; ; i++ {
			cand := base
			switch {
			case i == 1:
				cand = alt
			case i > 1:
				cand = alt + strconv.Itoa(i-1)
			}
			if !taken[cand] && in.pkg.Types.Scope().Lookup(cand) == nil {
				taken[cand] = true
				return cand
			}
		}
	}
	rt = pick(inject.RuntimePath, "runtime", "traceruntime")
	gin = pick(inject.TraceginPath, "tracegin", "tracegin")
	ctx = pick("context", "context", "stdcontext")
	return rt, gin, ctx
}
