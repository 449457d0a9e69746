package rewriter

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"go/version"
	"sort"
	"strings"

	"golang.org/x/tools/go/ast/astutil"
	"golang.org/x/tools/go/packages"

	"github.com/traceinject/traceinject/internal/recv"
)

// Functions with neither a context.Context nor a *gin.Context parameter.
//
// Such an annotated top-level function or method gets a first parameter
// ctx context.Context, and every call of it in the loaded packages passes
// the caller's nearest context. Everything is decided here, before any file
// is rewritten, across all loaded packages: which functions get a
// parameter and under which name, what each call site passes, and whether
// some use forbids the change (then the run is refused).

// neitherFunc is one annotated function that gets a context parameter.
type neitherFunc struct {
	key     string // FullName of the declared function
	decl    *ast.FuncDecl
	pkg     *packages.Package // clean package
	fn      *types.Func
	param   string         // name of the added parameter
	display string         // p.F or p.T.M, as in messages and span names
	pos     token.Position // of the name, in the current file
	dirPos  token.Position // of the directive, in the current file
}

// argKind is what a call site passes.
type argKind int

const (
	argVar    argKind = iota // a context.Context variable
	argGin                   // NAME.Request.Context() of a *gin.Context
	argMethod                // NAME.Context(): a *http.Request, *testing.T, stream...
	argTODO                  // context.TODO()
)

type ctxArg struct {
	kind argKind
	name string
}

// carrier is the context an annotated function's body sees after
// instrumentation: its (possibly renamed or added) context or *gin.Context
// parameter.
type carrier struct {
	gin     bool
	name    string
	renamed bool // the tool names the parameter (it was unnamed or _)
}

// threadPlan is the cross-package plan for one run. It is nil when no
// annotated function lacks a context.
type threadPlan struct {
	funcs    map[string]*neitherFunc
	added    map[*ast.FuncDecl]string // clean decl -> added parameter name
	args     map[*ast.CallExpr]ctxArg // clean call -> argument to prepend
	carriers map[ast.Node]carrier     // clean annotated function -> its context
	// keepNames are annotated functions whose context parameter the tool
	// named and whose body now passes it to a call: the name stays on
	// -remove, with the argument.
	keepNames map[ast.Node]bool
	curDirs   map[string]map[token.Pos]bool // file -> directive positions of neither functions (current file)
	files     map[string]bool               // files with call sites or added parameters
	callPos   map[string][]token.Position   // file -> call sites, in the current file
}

func (tp *threadPlan) addedFor(d *ast.FuncDecl) (string, bool) {
	if tp == nil || d == nil {
		return "", false
	}
	name, ok := tp.added[d]
	return name, ok
}

func (tp *threadPlan) fileHasArgs(f *ast.File) bool {
	if tp == nil {
		return false
	}
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			if _, ok := tp.args[c]; ok {
				found = true
			}
		}
		return !found
	})
	return found
}

// funcKey identifies a declared function across package loads.
func funcKey(fn *types.Func) string { return fn.Origin().FullName() }

// hasNeither reports whether some annotated top-level function of the
// (current) packages has neither kind of context parameter.
func hasNeither(runs []*pkgRun) bool {
	for _, pr := range runs {
		if len(neitherNames(pr)) > 0 {
			return true
		}
	}
	return false
}

// exportsNeither reports whether such a function of pr is exported.
func exportsNeither(pr *pkgRun) bool {
	for _, name := range neitherNames(pr) {
		if token.IsExported(name) {
			return true
		}
	}
	return false
}

func neitherNames(pr *pkgRun) []string {
	var names []string
	in := &instrumenter{pkg: pr.p}
	for _, ts := range pr.curTargets {
		for _, t := range ts {
			if t.dir.Kind == KindSpan && t.decl != nil {
				if s, _ := in.shapeOf(t.decl.Type); s == ShapeNone {
					names = append(names, t.decl.Name.Name)
				}
			}
		}
	}
	return names
}

// threadInput is everything planThreading looks at.
type threadInput struct {
	cfg    Config
	runs   []*pkgRun                    // packages to instrument or edit (current)
	clean  map[string]*packages.Package // by path: the stripped packages, one load
	tests  []*packages.Package          // test variants of the clean packages
	listed []*packages.Package
	// importers maps each path to the main module's packages that import
	// it; nil when no exported function gets a parameter.
	importers map[string][]string
}

// planThreading decides the whole plan, or refuses it with errors.
func planThreading(ti threadInput) (*threadPlan, []Diagnostic, error) {
	tp := &threadPlan{
		funcs:     map[string]*neitherFunc{},
		added:     map[*ast.FuncDecl]string{},
		args:      map[*ast.CallExpr]ctxArg{},
		carriers:  map[ast.Node]carrier{},
		keepNames: map[ast.Node]bool{},
		curDirs:   map[string]map[token.Pos]bool{},
		files:     map[string]bool{},
		callPos:   map[string][]token.Position{},
	}
	var diags []Diagnostic
	refuse := func(pos token.Position, nf *neitherFunc, format string, args ...any) {
		diags = append(diags, errorf(pos, "cannot add a context.Context parameter to %s: %s", nf.display, fmt.Sprintf(format, args...)))
	}

	// 1. The functions, and the names of their new parameters.
	var order []*neitherFunc
	for _, pr := range ti.runs {
		cp := ti.clean[pr.p.PkgPath]
		in := &instrumenter{pkg: cp}
		for _, fr := range pr.files {
			cf := cleanFile(cp, fr.name)
			cur := pr.curTargets[fr.name]
			if cf == nil || len(cur) == 0 {
				continue
			}
			ts, _ := discover(cp.Fset, cf, fr.clean)
			if len(ts) != len(cur) {
				continue // finishPackage reports this
			}
			for i, t := range ts {
				if t.dir.Kind != KindSpan || t.decl == nil || t.decl.Body == nil {
					continue
				}
				if s, _ := in.shapeOf(t.decl.Type); s != ShapeNone {
					continue
				}
				fn, ok := cp.TypesInfo.Defs[t.decl.Name].(*types.Func)
				if !ok {
					continue
				}
				names := newNamer(cp.TypesInfo, t.decl.Type, t.decl.Body)
				for _, tg := range t.dir.Tags {
					names.reserveExpr(tg.Expr)
				}
				nf := &neitherFunc{
					key:     funcKey(fn),
					decl:    t.decl,
					pkg:     cp,
					fn:      fn,
					param:   names.fresh("ctx", "traceCtx"),
					display: in.defaultName(t),
					pos:     pr.p.Fset.Position(cur[i].decl.Name.Pos()),
					dirPos:  pr.p.Fset.Position(cur[i].comment.Pos()),
				}
				tp.funcs[nf.key] = nf
				tp.added[t.decl] = nf.param
				if tp.curDirs[fr.name] == nil {
					tp.curDirs[fr.name] = map[token.Pos]bool{}
				}
				tp.curDirs[fr.name][cur[i].comment.Pos()] = true
				tp.files[fr.name] = true
				order = append(order, nf)
			}
		}
	}
	if len(order) == 0 {
		return nil, nil, nil
	}

	// 2. Uses that cannot be changed.
	for _, nf := range order {
		if nf.fn.Pkg().Name() == "main" && nf.decl.Recv == nil && nf.decl.Name.Name == "main" || nf.decl.Recv == nil && nf.decl.Name.Name == "init" {
			refuse(nf.pos, nf, "%s must keep its signature", nf.decl.Name.Name)
		}
	}
	uses := ti.collectUses(tp)
	for _, u := range uses {
		if u.generated && u.call != nil {
			refuse(u.pos, u.nf, "it is called from a generated file here, which traceinject does not change")
		}
		switch {
		case u.call != nil:
			if len(u.call.Args) == 1 {
				if tup, ok := u.pkg.TypesInfo.TypeOf(u.call.Args[0]).(*types.Tuple); ok && tup.Len() > 1 {
					refuse(u.pos, u.nf, "it is called with the results of another call as its arguments here; assign them to variables first")
				}
			}
		case u.methodExpr:
			refuse(u.pos, u.nf, "it is used as a method expression here, so its signature must stay")
		case u.methodVal:
			refuse(u.pos, u.nf, "it is used as a method value here, so its signature must stay")
		default:
			refuse(u.pos, u.nf, "it is used as a value here, so its signature must stay")
		}
	}
	ti.interfaceRefusals(order, refuse)
	ti.unloadedRefusals(order, refuse)
	ti.lowLevelRefusals(order, refuse)
	if len(diags) > 0 {
		return tp, diags, nil
	}

	// 3. What every annotated function's body calls its context.
	for _, pr := range ti.runs {
		cp := ti.clean[pr.p.PkgPath]
		in := &instrumenter{pkg: cp, tp: tp}
		for _, fr := range pr.files {
			cf := cleanFile(cp, fr.name)
			if cf == nil || len(pr.curTargets[fr.name]) == 0 {
				continue
			}
			ts, _ := discover(cp.Fset, cf, fr.clean)
			for _, t := range ts {
				if t.dir.Kind != KindSpan {
					continue
				}
				if e, _, err := in.plan(t, fr.clean); err == nil {
					_, renamed := e.newParam[e.param]
					tp.carriers[t.node()] = carrier{gin: e.shape == ShapeGin, name: e.ctxName, renamed: renamed && e.added == ""}
				}
			}
		}
	}

	// 4. What every call passes.
	for _, u := range uses {
		arg := tp.contextAt(u)
		tp.args[u.call] = arg
		tp.files[u.file] = true
		tp.callPos[u.file] = append(tp.callPos[u.file], u.pos)
		diags = append(diags, Diagnostic{u.pos, Stale, fmt.Sprintf("call of %s must pass a context (run traceinject)", u.nf.display)})
		if arg.kind == argTODO {
			diags = append(diags, Diagnostic{u.pos, Warning, fmt.Sprintf("%s has no context; passing context.TODO() to %s", callerName(u), u.nf.display)})
		}
	}
	for _, nf := range order {
		diags = append(diags, Diagnostic{nf.dirPos, Stale, fmt.Sprintf("%s: not instrumented; it has no context.Context parameter and gets one (run traceinject)", nf.decl.Name.Name)})
	}
	return tp, diags, nil
}

func cleanFile(cp *packages.Package, name string) *ast.File {
	for f, n := range goFiles(cp) {
		if n == name {
			return f
		}
	}
	return nil
}

// use is one reference to a neither function.
type use struct {
	nf         *neitherFunc
	pkg        *packages.Package
	file       string
	path       []ast.Node // from the identifier out to the file
	ident      *ast.Ident
	call       *ast.CallExpr // nil unless the reference is called
	methodExpr bool
	methodVal  bool
	generated  bool
	pos        token.Position // of the identifier, in the current file
}

// collectUses finds every reference to a neither function in the clean
// packages and the test files of their test variants, in a fixed order.
func (ti threadInput) collectUses(tp *threadPlan) []*use {
	var uses []*use
	scan := func(p *packages.Package, f *ast.File, name string, posOf func(int, token.Pos) token.Position) {
		idx := 0
		gen := ast.IsGenerated(f)
		ast.Inspect(f, func(n ast.Node) bool {
			id, ok := n.(*ast.Ident)
			if !ok {
				return true
			}
			fn, ok := p.TypesInfo.Uses[id].(*types.Func)
			if !ok {
				return true
			}
			nf := tp.funcs[funcKey(fn)]
			if nf == nil {
				return true
			}
			path, _ := astutil.PathEnclosingInterval(f, id.Pos(), id.End())
			u := &use{nf: nf, pkg: p, file: name, path: path, ident: id, generated: gen, pos: posOf(idx, id.Pos())}
			idx++
			classifyUse(p.TypesInfo, u)
			uses = append(uses, u)
			return true
		})
	}
	for _, pr := range ti.runs {
		cp := ti.clean[pr.p.PkgPath]
		// Positions are reported in the current files: where injected code
		// was stripped, the k-th reference of the clean file is the k-th
		// one of the current file outside the injected blocks.
		cur := map[string]*ast.File{}
		for f, name := range goFiles(pr.p) {
			cur[name] = f
		}
		files := goFilesSorted(cp)
		for _, nf := range files {
			f, name := nf.f, nf.name
			posOf := func(_ int, pos token.Pos) token.Position { return cp.Fset.Position(pos) }
			if cf := cur[name]; cf != nil && pr.p != cp {
				curIdents := currentUses(pr.p, cf, tp)
				posOf = func(i int, pos token.Pos) token.Position {
					if i < len(curIdents) {
						return pr.p.Fset.Position(curIdents[i])
					}
					return cp.Fset.Position(pos)
				}
			}
			scan(cp, f, name, posOf)
		}
	}
	for _, tp := range ti.tests {
		for _, nf := range goFilesSorted(tp) {
			if !strings.HasSuffix(nf.name, "_test.go") {
				continue
			}
			p := tp
			scan(p, nf.f, nf.name, func(_ int, pos token.Pos) token.Position { return p.Fset.Position(pos) })
		}
	}
	return uses
}

type namedFile struct {
	f    *ast.File
	name string
}

func goFilesSorted(p *packages.Package) []namedFile {
	var out []namedFile
	for f, name := range goFiles(p) {
		out = append(out, namedFile{f, name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// currentUses lists the references to neither functions in a current file,
// outside injected blocks, in source order.
func currentUses(p *packages.Package, f *ast.File, tp *threadPlan) []token.Pos {
	injected := markedRanges(f)
	var out []token.Pos
	ast.Inspect(f, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok {
			return true
		}
		fn, ok := p.TypesInfo.Uses[id].(*types.Func)
		if !ok || tp.funcs[funcKey(fn)] == nil {
			return true
		}
		for _, s := range injected {
			if s[0] <= id.Pos() && id.Pos() < s[1] {
				return true
			}
		}
		out = append(out, id.Pos())
		return true
	})
	return out
}

// classifyUse decides whether u is a call (possibly of an instantiation,
// in parentheses, through a selector) or some other use.
func classifyUse(info *types.Info, u *use) {
	path := u.path
	i := 0 // path[i] is the expression that denotes the function
	if len(path) > 1 {
		if sel, ok := path[1].(*ast.SelectorExpr); ok && sel.Sel == u.ident {
			i = 1
			if s, ok := info.Selections[sel]; ok {
				switch s.Kind() {
				case types.MethodExpr:
					u.methodExpr = true
					return
				case types.MethodVal:
					u.methodVal = true
				}
			}
		}
	}
	for i+1 < len(path) {
		switch p := path[i+1].(type) {
		case *ast.ParenExpr:
			i++
			continue
		case *ast.IndexExpr:
			if p.X == path[i] {
				i++
				continue
			}
		case *ast.IndexListExpr:
			if p.X == path[i] {
				i++
				continue
			}
		case *ast.CallExpr:
			if p.Fun == path[i] {
				u.call = p
				u.methodVal = false
			}
		}
		break
	}
}

// callerName names the function a use sits in, for messages.
func callerName(u *use) string {
	for _, n := range u.path {
		if fd, ok := n.(*ast.FuncDecl); ok {
			if fd.Recv != nil && len(fd.Recv.List) == 1 {
				return recv.TypeName(fd.Recv.List[0].Type) + "." + fd.Name.Name
			}
			return fd.Name.Name
		}
	}
	return "package-level initializer"
}

// contextAt picks what the call of u passes. Walking the scopes at the
// call from the innermost out, the first that offers one of these wins:
//
//  1. a local context.Context derived from a parameter (its declaration
//     mentions a parameter, or a local derived from one: a context with a
//     timeout or a value added), the latest declared;
//  2. a context.Context parameter (in an annotated function, its carrier
//     first, under the name it has after instrumentation: the variable
//     runtime.Start reassigns, which carries the span);
//  3. the same for a *gin.Context, passing C.Request.Context();
//  4. the same for a variable with a method Context() context.Context (an
//     *http.Request, a *testing.T, a gRPC stream), passing X.Context().
//
// Failing all of these, the nearest local context.Context not derived from
// a parameter (context.Background() and the like) is passed, and failing
// that, context.TODO().
func (tp *threadPlan) contextAt(u *use) ctxArg {
	info, pkgScope := u.pkg.TypesInfo, u.pkg.Types.Scope()
	file, _ := u.path[len(u.path)-1].(*ast.File)
	pos := u.call.Pos()
	inner := pkgScope.Innermost(pos)
	funcScopes := map[*types.Scope]ast.Node{}
	for _, n := range u.path {
		switch fn := n.(type) {
		case *ast.FuncDecl:
			funcScopes[info.Scopes[fn.Type]] = fn
		case *ast.FuncLit:
			funcScopes[info.Scopes[fn.Type]] = fn
		}
	}
	// visible reports whether name, looked up at pos, is obj (or, for a
	// parameter the tool names, nothing local at all).
	visible := func(name string, obj types.Object, fnScope *types.Scope) bool {
		s, o := inner.LookupParent(name, pos)
		if obj != nil {
			return o == obj
		}
		return s == nil || s == fnScope || s == pkgScope || s.Parent() == pkgScope || s == types.Universe
	}
	const (
		kindCtx = iota
		kindGin
		kindMethod
		kinds
	)
	kindOf := func(t types.Type) int {
		switch {
		case isContext(t):
			return kindCtx
		case isGinContext(t) && u.pkg.PkgPath != ginPath:
			// In package gin itself a *Context's Request may be nil
			// (found by the round-trip corpus on gin's own source).
			return kindGin
		case hasContextMethod(t) && contextMethodAvailable(t, info.FileVersions[file]):
			return kindMethod
		}
		return -1
	}
	argOf := []argKind{argVar, argGin, argMethod}

	type cand struct {
		v       *types.Var // nil for a parameter the tool names
		name    string
		kind    int
		renamed bool
	}
	type level struct {
		fn             ast.Node
		params, locals []cand // in source order
	}
	var levels []level
	derived := map[types.Object]bool{}
	for s := inner; s != nil && s != pkgScope && s.Parent() != pkgScope; s = s.Parent() {
		lv := level{fn: funcScopes[s]}
		var body token.Pos
		var results *ast.FieldList
		if fd, ok := lv.fn.(*ast.FuncDecl); ok && fd.Body != nil {
			body, results = fd.Body.Lbrace, fd.Type.Results
		} else if fl, ok := lv.fn.(*ast.FuncLit); ok {
			body, results = fl.Body.Lbrace, fl.Type.Results
		}
		if c, ok := tp.carriers[lv.fn]; ok && lv.fn != nil && visible(c.name, nil, s) {
			k := kindCtx
			if c.gin {
				k = kindGin
			}
			lv.params = append(lv.params, cand{name: c.name, kind: k, renamed: c.renamed})
		}
		var vars []*types.Var
		for _, name := range s.Names() {
			if v, ok := s.Lookup(name).(*types.Var); ok && name != "_" && kindOf(v.Type()) >= 0 {
				vars = append(vars, v)
			}
		}
		sort.Slice(vars, func(i, j int) bool { return vars[i].Pos() < vars[j].Pos() })
		for _, v := range vars {
			if results != nil && results.Pos() <= v.Pos() && v.Pos() < results.End() {
				continue // a named result holds nothing yet
			}
			isParam := lv.fn != nil && v.Pos() < body
			if isParam {
				derived[v] = true
			}
			if !visible(v.Name(), v, s) {
				continue
			}
			c := cand{v: v, name: v.Name(), kind: kindOf(v.Type())}
			if isParam {
				lv.params = append(lv.params, c)
			} else {
				lv.locals = append(lv.locals, c)
			}
		}
		levels = append(levels, lv)
	}
	// Derivation follows declarations in source order, outer scopes first.
	var locals []cand
	for i := len(levels) - 1; i >= 0; i-- {
		locals = append(locals, levels[i].locals...)
	}
	sort.SliceStable(locals, func(i, j int) bool { return locals[i].v.Pos() < locals[j].v.Pos() })
	for _, c := range locals {
		if file != nil && initMentions(info, file, c.v, derived) {
			derived[c.v] = true
		}
	}
	for _, lv := range levels {
		for k := kindCtx; k < kinds; k++ {
			for i := len(lv.locals) - 1; i >= 0; i-- {
				if c := lv.locals[i]; c.kind == k && derived[c.v] {
					return ctxArg{kind: argOf[k], name: c.name}
				}
			}
			for _, c := range lv.params {
				if c.kind == k {
					if c.renamed {
						tp.keepNames[lv.fn] = true
					}
					return ctxArg{kind: argOf[k], name: c.name}
				}
			}
		}
	}
	// Only a local context.Context: a local *gin.Context or request may be
	// one whose Request is nil (C.Request.Context() panics; found by the
	// round-trip corpus in gin's own tests).
	for _, lv := range levels {
		for i := len(lv.locals) - 1; i >= 0; i-- {
			if c := lv.locals[i]; c.kind == kindCtx {
				return ctxArg{kind: argVar, name: c.name}
			}
		}
	}
	return ctxArg{kind: argTODO}
}

// initMentions reports whether the declaration of the local v initializes
// it from an expression that mentions one of the variables in from.
func initMentions(info *types.Info, file *ast.File, v *types.Var, from map[types.Object]bool) bool {
	path, _ := astutil.PathEnclosingInterval(file, v.Pos(), v.Pos()+1)
	var init ast.Expr
loop:
	for _, n := range path {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Pos() == v.Pos() {
					if len(n.Rhs) == len(n.Lhs) {
						init = n.Rhs[i]
					} else if len(n.Rhs) == 1 {
						init = n.Rhs[0]
					}
				}
			}
			break loop
		case *ast.ValueSpec:
			for i, id := range n.Names {
				if id.Pos() == v.Pos() {
					if len(n.Values) == len(n.Names) {
						init = n.Values[i]
					} else if len(n.Values) == 1 {
						init = n.Values[0]
					}
				}
			}
			break loop
		case *ast.BlockStmt, *ast.FuncDecl, *ast.FuncLit:
			break loop
		}
	}
	found := false
	if init != nil {
		ast.Inspect(init, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && from[info.Uses[id]] {
				found = true
			}
			return !found
		})
	}
	return found
}

// hasContextMethod reports whether t has a method Context() context.Context.
func hasContextMethod(t types.Type) bool {
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, "Context")
	fn, ok := obj.(*types.Func)
	if !ok || !fn.Exported() {
		return false
	}
	sig := fn.Type().(*types.Signature)
	return sig.Params().Len() == 0 && sig.Results().Len() == 1 && isContext(sig.Results().At(0).Type())
}

// contextMethodAvailable reports whether t's Context method exists at the
// file's Go version: testing.T, B, F and TB have one since Go 1.24, and go
// vet rejects it in an older module (found by the round-trip corpus on gin,
// a go 1.22 module).
func contextMethodAvailable(t types.Type, fileVersion string) bool {
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, "Context")
	if obj == nil || obj.Pkg() == nil || obj.Pkg().Path() != "testing" || fileVersion == "" {
		return true
	}
	return version.Compare(fileVersion, "go1.24") >= 0
}

// wellKnown are methods whose signature interfaces of the standard library
// (and database drivers) rely on, whether or not the loaded packages import
// the interface's package: fmt prints through Stringer and error, sort and
// encoding/json call back through them, and so on.
var wellKnown = map[string][]string{
	"String":          {"func() string", "fmt.Stringer"},
	"GoString":        {"func() string", "fmt.GoStringer"},
	"Error":           {"func() string", "error"},
	"Format":          {"func(fmt.State, int32)", "fmt.Formatter"},
	"Read":            {"func([]byte) (int, error)", "io.Reader"},
	"Write":           {"func([]byte) (int, error)", "io.Writer"},
	"Close":           {"func() error", "io.Closer"},
	"Len":             {"func() int", "sort.Interface"},
	"Less":            {"func(int, int) bool", "sort.Interface"},
	"Swap":            {"func(int, int)", "sort.Interface"},
	"ServeHTTP":       {"func(net/http.ResponseWriter, *net/http.Request)", "net/http.Handler"},
	"MarshalJSON":     {"func() ([]byte, error)", "encoding/json.Marshaler"},
	"UnmarshalJSON":   {"func([]byte) error", "encoding/json.Unmarshaler"},
	"MarshalText":     {"func() ([]byte, error)", "encoding.TextMarshaler"},
	"UnmarshalText":   {"func([]byte) error", "encoding.TextUnmarshaler"},
	"MarshalBinary":   {"func() ([]byte, error)", "encoding.BinaryMarshaler"},
	"UnmarshalBinary": {"func([]byte) error", "encoding.BinaryUnmarshaler"},
	"Unwrap":          {"func() error", "the errors package's interface{ Unwrap() error }"},
	"Is":              {"func(error) bool", "the errors package's interface{ Is(error) bool }"},
	"As":              {"func(any) bool", "the errors package's interface{ As(any) bool }"},
}

// sigString spells a signature without its receiver and parameter names,
// packages by path, rune and byte as int32 and byte, interface{} as any.
func sigString(sig *types.Signature) string {
	qual := func(p *types.Package) string { return p.Path() }
	list := func(t *types.Tuple) []string {
		var out []string
		for i := 0; i < t.Len(); i++ {
			s := types.TypeString(t.At(i).Type(), qual)
			if sig.Variadic() && t == sig.Params() && i == t.Len()-1 {
				s = "..." + strings.TrimPrefix(s, "[]")
			}
			out = append(out, s)
		}
		return out
	}
	s := "func(" + strings.Join(list(sig.Params()), ", ") + ")"
	switch res := list(sig.Results()); len(res) {
	case 0:
	case 1:
		s += " " + res[0]
	default:
		s += " (" + strings.Join(res, ", ") + ")"
	}
	r := strings.NewReplacer("rune", "int32", "uint8", "byte", "interface{}", "any")
	return r.Replace(s)
}

// interfaceRefusals refuses methods whose signature an interface needs: a
// named interface of the loaded packages or of any package they import
// (and the standard ones in wellKnown) that the receiver type, or a type
// embedding it, implements through this method.
func (ti threadInput) interfaceRefusals(order []*neitherFunc, refuse func(token.Position, *neitherFunc, string, ...any)) {
	var methods []*neitherFunc
	for _, nf := range order {
		if nf.decl.Recv != nil {
			methods = append(methods, nf)
		}
	}
	if len(methods) == 0 {
		return
	}
	// Every package reachable from the loaded ones, once.
	seen := map[*types.Package]bool{}
	var pkgs []*types.Package
	var walk func(p *types.Package)
	walk = func(p *types.Package) {
		if p == nil || seen[p] {
			return
		}
		seen[p] = true
		pkgs = append(pkgs, p)
		for _, imp := range p.Imports() {
			walk(imp)
		}
	}
	var roots []*types.Package
	paths := make([]string, 0, len(ti.clean))
	for path := range ti.clean {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	for _, path := range paths {
		roots = append(roots, ti.clean[path].Types)
		walk(ti.clean[path].Types)
	}
	type iface struct {
		name string
		t    *types.Interface
	}
	var ifaces []iface
	for _, p := range pkgs {
		for _, name := range p.Scope().Names() {
			tn, ok := p.Scope().Lookup(name).(*types.TypeName)
			if !ok {
				continue
			}
			if n, ok := tn.Type().(*types.Named); ok && n.TypeParams().Len() > 0 {
				continue
			}
			if it, ok := tn.Type().Underlying().(*types.Interface); ok && it.NumMethods() > 0 {
				ifaces = append(ifaces, iface{p.Path() + "." + name, it})
			}
		}
	}
	ifaces = append(ifaces, iface{"error", types.Universe.Lookup("error").Type().Underlying().(*types.Interface)})
	sort.SliceStable(ifaces, func(i, j int) bool { return ifaces[i].name < ifaces[j].name })

	for _, nf := range methods {
		name := nf.fn.Name()
		if wk, ok := wellKnown[name]; ok && sigString(nf.fn.Type().(*types.Signature)) == wk[0] {
			refuse(nf.pos, nf, "it must keep its signature to satisfy %s", wk[1])
			continue
		}
		// Types whose method set has this very method: the receiver's and
		// any type of the loaded packages that embeds it.
		var holders []types.Type
		for _, r := range roots {
			for _, tn := range r.Scope().Names() {
				obj, ok := r.Scope().Lookup(tn).(*types.TypeName)
				if !ok || obj.IsAlias() {
					continue
				}
				n, ok := obj.Type().(*types.Named)
				if !ok || n.TypeParams().Len() > 0 {
					continue
				}
				m, _, _ := types.LookupFieldOrMethod(types.NewPointer(n), true, nf.fn.Pkg(), name)
				if mf, ok := m.(*types.Func); ok && funcKey(mf) == nf.key {
					holders = append(holders, n, types.NewPointer(n))
				}
			}
		}
	found:
		for _, it := range ifaces {
			has := false
			for i := 0; i < it.t.NumMethods(); i++ {
				m := it.t.Method(i)
				has = has || m.Name() == name && (m.Exported() || m.Pkg() == nf.fn.Pkg())
			}
			if !has {
				continue
			}
			for _, h := range holders {
				if types.Implements(h, it.t) {
					refuse(nf.pos, nf, "it must keep its signature for %s to satisfy %s", types.TypeString(h, types.RelativeTo(nf.fn.Pkg())), it.name)
					break found
				}
			}
		}
	}
}

// unloadedRefusals refuses exported functions whose package is imported by
// packages of the main module that this run did not load: their calls
// would be left without the new argument.
func (ti threadInput) unloadedRefusals(order []*neitherFunc, refuse func(token.Position, *neitherFunc, string, ...any)) {
	var exported []*neitherFunc
	for _, nf := range order {
		if nf.fn.Exported() {
			exported = append(exported, nf)
		}
	}
	if len(exported) == 0 || ti.importers == nil {
		return
	}
	loaded := map[string]bool{}
	for _, p := range ti.listed {
		loaded[p.PkgPath] = true
	}
	importers := ti.importers
	for _, nf := range exported {
		path := nf.fn.Pkg().Path()
		// Methods can be called through values of types from any package
		// that depends on this one; functions only where it is imported.
		reach := map[string]bool{path: true}
		queue := []string{path}
		for len(queue) > 0 {
			q := queue[0]
			queue = queue[1:]
			for _, imp := range importers[q] {
				if !reach[imp] {
					reach[imp] = true
					if nf.decl.Recv != nil {
						queue = append(queue, imp)
					}
				}
			}
		}
		var missing []string
		for p := range reach {
			if !loaded[p] {
				missing = append(missing, p)
			}
		}
		if len(missing) == 0 {
			continue
		}
		sort.Strings(missing)
		refuse(nf.pos, nf, "package %s is imported by %s, which this run did not load (run traceinject on patterns that include them: ./..., and in a go.work workspace the packages of its other modules too)", path, strings.Join(missing, ", "))
	}
}

// lowLevelRefusals refuses functions that assembly, cgo or //go:linkname
// refer to by name, where no type information sees the use.
func (ti threadInput) lowLevelRefusals(order []*neitherFunc, refuse func(token.Position, *neitherFunc, string, ...any)) {
	for _, nf := range order {
		p := nf.pkg
		name := nf.fn.Name()
		if nf.decl.Recv == nil {
			for _, other := range p.OtherFiles {
				if !strings.HasSuffix(other, ".s") {
					continue
				}
				src, err := readFile(other, ti.cfg.Overlay)
				if err != nil {
					continue
				}
				if pos, ok := asmRef(other, src, name); ok {
					refuse(pos, nf, "it is referenced from assembly here")
				}
			}
		}
		// By bytes, not syntax: the syntax of a cgo package is cgo's output.
		cgo := false
		for _, file := range p.GoFiles {
			src, _ := readFile(file, ti.cfg.Overlay)
			cgo = cgo || bytes.Contains(src, []byte(`import "C"`))
		}
		for _, file := range p.GoFiles {
			src, err := readFile(file, ti.cfg.Overlay)
			if err != nil {
				continue
			}
			for i, line := range strings.Split(string(src), "\n") {
				fields := strings.Fields(line)
				pos := token.Position{Filename: file, Line: i + 1, Column: strings.Index(line, "//") + 1}
				switch {
				case cgo && nf.decl.Recv == nil && len(fields) == 2 && fields[0] == "//export" && fields[1] == name:
					refuse(pos, nf, "it is exported to C here")
				case nf.decl.Recv == nil && len(fields) >= 2 && fields[0] == "//go:linkname" && fields[1] == name:
					refuse(pos, nf, "//go:linkname refers to it here")
				}
			}
		}
		// Any listed package may pull it in by linkname, whether or not it
		// imports this one: a byte scan finds the directives.
		target := nf.fn.Pkg().Path() + "." + name
		if nf.decl.Recv != nil {
			target = nf.fn.Pkg().Path() + "." + recv.TypeName(nf.decl.Recv.List[0].Type) + "." + name
		}
		for _, q := range ti.listed {
			for _, file := range q.GoFiles {
				src, err := readFile(file, ti.cfg.Overlay)
				if err != nil || !bytes.Contains(src, []byte("//go:linkname")) {
					continue
				}
				for i, line := range strings.Split(string(src), "\n") {
					fields := strings.Fields(line)
					if len(fields) != 3 || fields[0] != "//go:linkname" {
						continue
					}
					if fields[2] == target || strings.NewReplacer("(*", "", "(", "", ")", "").Replace(fields[2]) == target {
						col := strings.Index(line, "//go:linkname") + 1
						refuse(token.Position{Filename: file, Line: i + 1, Column: col}, nf, "//go:linkname refers to it here")
					}
				}
			}
		}
	}
}

// asmRef finds ·name as a symbol (not a prefix of a longer one) in an
// assembly file.
func asmRef(file string, src []byte, name string) (token.Position, bool) {
	needle := []byte("·" + name)
	off := 0
	for {
		i := bytes.Index(src[off:], needle)
		if i < 0 {
			return token.Position{}, false
		}
		at := off + i
		end := at + len(needle)
		if end >= len(src) || !isIdentByte(src[end]) {
			line := 1 + bytes.Count(src[:at], []byte("\n"))
			col := at - bytes.LastIndexByte(src[:at], '\n')
			return token.Position{Filename: file, Line: line, Column: col}, true
		}
		off = end
	}
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= 0x80
}
