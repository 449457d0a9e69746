// Package recv names the type of a method's receiver as source spells it,
// for the rewriter, the policy check and the round-trip corpus alike.
package recv

import "go/ast"

// TypeName is the name of the receiver's type: T for T, *T, T[P], (*T) and
// the like; "?" for anything a method receiver cannot be.
func TypeName(x ast.Expr) string {
	for {
		switch t := x.(type) {
		case *ast.StarExpr:
			x = t.X
		case *ast.ParenExpr:
			x = t.X
		case *ast.IndexExpr:
			x = t.X
		case *ast.IndexListExpr:
			x = t.X
		case *ast.Ident:
			return t.Name
		default:
			return "?"
		}
	}
}
