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
	used map[string]bool
}

func newNamer(info *types.Info, ft *ast.FuncType, body *ast.BlockStmt) *namer {
	n := &namer{used: map[string]bool{}}
	collect := func(root ast.Node) {
		ast.Inspect(root, func(x ast.Node) bool {
			switch x := x.(type) {
			case *ast.SelectorExpr:
				ast.Inspect(x.X, func(y ast.Node) bool {
					if id, ok := y.(*ast.Ident); ok {
						n.used[id.Name] = true
					}
					return true
				})
				return false
			case *ast.Ident:
				n.used[x.Name] = true
			}
			return true
		})
	}
	collect(ft)
	if body != nil {
		collect(body)
	}
	return n
}

func (n *namer) reserve(name string) { n.used[name] = true }

func (n *namer) reserveExpr(expr string) {
	for _, id := range exprIdents(expr) {
		n.used[id] = true
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
			n.used[cand] = true
			return cand
		}
	}
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
