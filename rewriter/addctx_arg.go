package rewriter

import (
	"go/ast"
	"go/token"
	"go/types"
	"go/version"
	"sort"

	"golang.org/x/tools/go/ast/astutil"

	"github.com/traceinject/traceinject/templates/inject"
)

// Choosing the context a call of a function that gets a context parameter
// passes (see addctx.go).

// contextAt picks what the call of u passes. Walking the scopes at the
// call from the innermost out, the first that offers one of these wins:
//
//  1. a local context.Context derived from a parameter (its declaration
//     mentions a parameter, or a local derived from one: a context with a
//     timeout or a value added), the latest declared;
//  2. a context.Context parameter (in an annotated function, its carrier
//     first, under the name it has after instrumentation: the variable
//     runtime.Start reassigns, which carries the span);
//  3. the same for a *gin.Context, passing tracegin.RequestContext(C);
//  4. the same for a variable with a method Context() context.Context (an
//     *http.Request, a *testing.T, a gRPC stream), passing X.Context().
//
// Failing all of these, the nearest local context.Context not derived from
// a parameter (context.Background() and the like) is passed, and failing
// that, context.TODO().
func (ap *addctxPlan) contextAt(u *use) ctxArg {
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
		case isGinContext(t) && u.pkg.PkgPath != ginPath && u.pkg.PkgPath != inject.TraceginPath:
			// Package gin itself (and tracegin) cannot import tracegin
			// for tracegin.RequestContext.
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
		if e, ok := ap.edits[lv.fn]; ok && lv.fn != nil && visible(e.carrier().name, nil, s) {
			c := e.carrier()
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
					arg := ctxArg{kind: argOf[k], name: c.name}
					if c.renamed {
						arg.keepName = lv.fn
					}
					return arg
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
