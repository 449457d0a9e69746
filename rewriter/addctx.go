package rewriter

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/packages"
)

// Functions without a context: neither a context.Context nor a
// *gin.Context parameter.
//
// Such an annotated top-level function or method gets a first parameter
// ctx context.Context, and every call of it in the loaded packages passes
// the caller's nearest context. Everything is decided here, before any file
// is rewritten, across all loaded packages: which functions get a
// parameter and under which name, what each call site passes, and whether
// some use forbids the change (then the run is refused).
//
// This file holds the plan and its making; addctx_uses.go finds the uses,
// addctx_arg.go chooses what each call passes, addctx_refusals.go refuses
// what cannot change with the signature.

// addctxFunc is one annotated function that gets a context parameter.
type addctxFunc struct {
	key     string // FullName of the declared function
	decl    *ast.FuncDecl
	pkg     *packages.Package // stripped package
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
	argGin                   // tracegin.RequestContext(NAME) of a *gin.Context
	argMethod                // NAME.Context(): a *http.Request, *testing.T, stream...
	argTODO                  // context.TODO()
)

type ctxArg struct {
	kind argKind
	name string
	// keepName is the annotated function whose context parameter the
	// tool named and which this argument passes: the name stays on
	// -remove, with the argument.
	keepName ast.Node
}

// carrier is the context an annotated function's body sees after
// instrumentation: its (possibly renamed or added) context or *gin.Context
// parameter.
type carrier struct {
	gin     bool
	name    string
	renamed bool // the tool names the parameter (it was unnamed or _)
}

// carrier is the context e's body sees after instrumentation.
func (e *funcEdit) carrier() carrier {
	_, renamed := e.newParam[e.param]
	return carrier{gin: e.shape == shapeGin, name: e.ctxName, renamed: renamed && e.added == ""}
}

// addctxPlan is the cross-package plan for one run. It is nil when no
// annotated function lacks a context.
type addctxPlan struct {
	funcs map[string]*addctxFunc
	added map[*ast.FuncDecl]string // stripped decl -> added parameter name
	args  map[*ast.CallExpr]ctxArg // stripped call -> argument to prepend
	// edits are the plans of the annotated functions of the stripped
	// packages, made once: a call's argument depends on what its caller's
	// body calls its context, and instrumenting reads the same plans.
	edits   map[ast.Node]*funcEdit
	files   map[string]bool             // files with call sites or added parameters
	callPos map[string][]token.Position // file -> call sites, in the current file
}

// edit is the plan of the annotated function n, nil when there is none.
func (ap *addctxPlan) edit(n ast.Node) *funcEdit {
	if ap == nil {
		return nil
	}
	return ap.edits[n]
}

func (ap *addctxPlan) addedFor(d *ast.FuncDecl) (string, bool) {
	if ap == nil || d == nil {
		return "", false
	}
	name, ok := ap.added[d]
	return name, ok
}

func (ap *addctxPlan) fileHasArgs(f *ast.File) bool {
	if ap == nil {
		return false
	}
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			if _, ok := ap.args[c]; ok {
				found = true
			}
		}
		return !found
	})
	return found
}

// funcKey identifies a declared function across package loads.
func funcKey(fn *types.Func) string { return fn.Origin().FullName() }

// anyCtxless reports whether some annotated top-level function of the
// (current) packages has neither kind of context parameter.
func anyCtxless(runs []*pkgState) bool {
	for _, pr := range runs {
		if len(ctxlessNames(pr)) > 0 {
			return true
		}
	}
	return false
}

// exportsCtxless reports whether such a function of pr is exported.
func exportsCtxless(pr *pkgState) bool {
	for _, name := range ctxlessNames(pr) {
		if token.IsExported(name) {
			return true
		}
	}
	return false
}

func ctxlessNames(pr *pkgState) []string {
	var names []string
	in := &instrumenter{pkg: pr.p}
	for _, ts := range pr.curTargets {
		for _, t := range ts {
			if t.dir.Kind == kindSpan && t.decl != nil {
				if s, _ := in.shapeOf(t.decl.Type); s == shapeNone {
					names = append(names, t.decl.Name.Name)
				}
			}
		}
	}
	return names
}

// addctxInput is everything planAddctx looks at.
type addctxInput struct {
	cfg      config
	runs     []*pkgState                  // packages to instrument or edit (current)
	stripped map[string]*packages.Package // by path: the stripped packages, one load
	tests    []*packages.Package          // test variants of the stripped packages
	listed   []*packages.Package
	// importers maps each path to the main module's packages that import
	// it; nil when no exported function gets a parameter.
	importers map[string][]string
}

// planAddctx decides the whole plan, or refuses it with errors.
func planAddctx(ai addctxInput) (*addctxPlan, []Diagnostic, error) {
	ap := &addctxPlan{
		funcs:   map[string]*addctxFunc{},
		added:   map[*ast.FuncDecl]string{},
		args:    map[*ast.CallExpr]ctxArg{},
		edits:   map[ast.Node]*funcEdit{},
		files:   map[string]bool{},
		callPos: map[string][]token.Position{},
	}
	var diags []Diagnostic
	refuse := func(pos token.Position, nf *addctxFunc, format string, args ...any) {
		diags = append(diags, errorf(pos, "cannot add a context.Context parameter to %s: %s", nf.display, fmt.Sprintf(format, args...)))
	}

	// 1. The functions, and the names of their new parameters.
	var order []*addctxFunc
	for _, pr := range ai.runs {
		cp := ai.stripped[pr.p.PkgPath]
		in := &instrumenter{pkg: cp}
		for _, fr := range pr.files {
			cf := strippedFile(cp, fr.name)
			if cf == nil || !fr.mayHaveTargets() {
				continue
			}
			for _, t := range fr.targets(cp.Fset, cf) {
				if t.dir.Kind != kindSpan || t.decl == nil || t.decl.Body == nil {
					continue
				}
				if s, _ := in.shapeOf(t.decl.Type); s != shapeNone {
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
				nf := &addctxFunc{
					key:     funcKey(fn),
					decl:    t.decl,
					pkg:     cp,
					fn:      fn,
					param:   names.fresh("ctx", "traceCtx"),
					display: in.defaultName(t),
					pos:     fr.positionOf(cp.Fset, t.decl.Name.Pos()),
					dirPos:  fr.positionOf(cp.Fset, t.comment.Pos()),
				}
				ap.funcs[nf.key] = nf
				ap.added[t.decl] = nf.param
				ap.files[fr.name] = true
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
	uses := ai.collectUses(ap)
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
	ai.interfaceRefusals(order, refuse)
	ai.unloadedRefusals(order, refuse)
	ai.lowLevelRefusals(order, refuse)
	if len(diags) > 0 {
		return ap, diags, nil
	}

	// 3. What every annotated function's body calls its context.
	for _, pr := range ai.runs {
		cp := ai.stripped[pr.p.PkgPath]
		in := &instrumenter{pkg: cp, ap: ap}
		for _, fr := range pr.files {
			cf := strippedFile(cp, fr.name)
			if cf == nil || !fr.mayHaveTargets() {
				continue
			}
			for _, t := range fr.targets(cp.Fset, cf) {
				if t.dir.Kind != kindSpan {
					continue
				}
				// A plan that fails is made again, and its error
				// reported, when the file is instrumented.
				if e, _, err := in.plan(t, fr.stripped); err == nil {
					ap.edits[t.node()] = e
				}
			}
		}
	}

	// 4. What every call passes.
	for _, u := range uses {
		arg := ap.contextAt(u)
		ap.args[u.call] = arg
		if arg.keepName != nil {
			// The parameter's name stays on -remove: the marker
			// records no original parameter list.
			ap.edits[arg.keepName].params = ""
		}
		ap.files[u.file] = true
		ap.callPos[u.file] = append(ap.callPos[u.file], u.pos)
		diags = append(diags, Diagnostic{u.pos, Stale, fmt.Sprintf("call of %s must pass a context (run traceinject)", u.nf.display)})
		if arg.kind == argTODO {
			diags = append(diags, Diagnostic{u.pos, Warning, fmt.Sprintf("%s has no context; passing context.TODO() to %s", callerName(u), u.nf.display)})
		}
	}
	for _, nf := range order {
		diags = append(diags, Diagnostic{nf.dirPos, Stale, fmt.Sprintf("%s: not instrumented; it has no context.Context parameter and gets one (run traceinject)", nf.decl.Name.Name)})
	}
	return ap, diags, nil
}

func strippedFile(cp *packages.Package, name string) *ast.File {
	for f, n := range goFiles(cp) {
		if n == name {
			return f
		}
	}
	return nil
}
