package rewriter

import (
	"go/ast"
	"go/parser"
	"go/types"
	"strconv"
)

// namer picks names for variables the injected code declares at the top of
// a function. A name is free when no identifier of the function (its
// signature and body, nested scopes included; field selectors aside) spells
// it: then the new variable neither clashes with a declaration nor shadows
// anything the body refers to, and every use the tool adds deep in the body
// (context threading) still sees it.
type namer struct {
	used     map[string]bool
	reserved map[string]bool // used by the injected code or a tag expression
}

func newNamer(info *types.Info, ft *ast.FuncType, body *ast.BlockStmt) *namer {
	n := &namer{used: map[string]bool{}, reserved: map[string]bool{}}
	collect := func(id *ast.Ident) { n.used[id.Name] = true }
	unselected(ft, collect)
	if body != nil {
		unselected(body, collect)
	}
	return n
}

// unselected calls f for every identifier under root but the selectors of
// selector expressions (the Sel of x.Sel), which name fields and methods
// rather than anything in scope.
func unselected(root ast.Node, f func(*ast.Ident)) {
	ast.Inspect(root, func(x ast.Node) bool {
		switch x := x.(type) {
		case *ast.SelectorExpr:
			unselected(x.X, f)
			return false
		case *ast.Ident:
			f(x)
		}
		return true
	})
}

func (n *namer) reserve(name string) { n.used[name], n.reserved[name] = true, true }

func (n *namer) reserveExpr(expr string) {
	for _, id := range exprIdents(expr) {
		n.reserve(id)
	}
}

// fresh returns the first free name among base, alt, alt1, alt2, ...
func (n *namer) fresh(base, alt string) string {
	for i := 0; ; i++ {
		cand := base
		switch {
		case i == 1:
			cand = alt
		case i > 1:
			cand = alt + strconv.Itoa(i-1)
		}
		if !n.used[cand] {
			n.reserve(cand)
			return cand
		}
	}
}

// errResult names an error result that had no name. It is err, as a person
// would write it, whenever giving the result that name changes the meaning of
// nothing: no parameter, receiver or top-level statement of the function
// declares err (a top-level err := would stop compiling), no identifier in the
// function refers to an err declared outside it (the result would shadow it),
// and neither the injected code nor a tag expression uses err. An err declared
// in a nested block, as in if err := f(); err != nil, shadows the result just
// as it would in hand-written code. Otherwise the name is fresh.
func (n *namer) errResult(info *types.Info, ft *ast.FuncType, body *ast.BlockStmt) string {
	const name = "err"
	if !n.reserved[name] && !errTaken(info, ft, body, name) {
		n.reserve(name)
		return name
	}
	return n.fresh(name, "traceErr")
}

func errTaken(info *types.Info, ft *ast.FuncType, body *ast.BlockStmt, name string) bool {
	scope := info.Scopes[ft]
	if scope == nil {
		return true // no type information to go by
	}
	if scope.Lookup(name) != nil {
		return true
	}
	taken := false
	unselected(body, func(id *ast.Ident) {
		taken = taken || id.Name == name && outside(info.Uses[id], ft, body)
	})
	return taken
}

// outside reports whether obj is declared outside the function. Struct
// fields (composite literal keys) are not variables in scope.
func outside(obj types.Object, ft *ast.FuncType, body *ast.BlockStmt) bool {
	if obj == nil {
		return false
	}
	if v, ok := obj.(*types.Var); ok && v.IsField() {
		return false
	}
	return !obj.Pos().IsValid() || obj.Pos() < ft.Pos() || obj.Pos() >= body.End()
}

func exprIdents(expr string) []string {
	x, err := parser.ParseExpr(expr)
	if err != nil {
		return nil
	}
	var ids []string
	ast.Inspect(x, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			ids = append(ids, id.Name)
		}
		return true
	})
	return ids
}
