package rewriter

import (
	"go/ast"

	"github.com/dave/dst"
	"github.com/dave/dst/decorator"
	"github.com/dave/dst/dstutil"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/traceinject/traceinject/templates/inject"
)

// Context threading. Inside an annotated body (not inside nested annotated
// literals, which get their own span):
//
//	context.Background()      -> runtime.WithSpan(context.Background(), span)
//	context.TODO()            -> runtime.WithSpan(context.TODO(), span)
//	http.NewRequest(m, u, b)  -> http.NewRequestWithContext(runtime.WithSpan(CTX, span), m, u, b)
//
// where CTX is the function's context parameter, or c.Request.Context() in
// a Gin function. Every threaded expression is thus a call of
// runtime.WithSpan whose second argument is the function's span variable,
// which no user code can name before instrumentation (the name is fresh):
// that is how stripping recognizes them. A NewRequestWithContext whose
// context is WithSpan(CTX, span), with CTX exactly as above, was a
// NewRequest.
//
// A *gin.Context passed where a context.Context is expected is left as it
// is: callees may type-assert it (ctx.(*gin.Context)), and a wrapping
// context would answer them differently. The span reaches them through c
// when gin's Engine.ContextWithFallback is set (c.Value then reads
// c.Request.Context(), which carries the span); tracegin says so at run time
// when it is not. Earlier versions wrapped c as runtime.WithSpan(c, span);
// stripping still unwraps that, like every WithSpan of the span variable.

func (in *instrumenter) thread(dec *decorator.Decorator, e *funcEdit, targets map[ast.Node]bool) {
	info := in.info()
	wrap := map[dst.Node]bool{}
	var newReqs []*dst.CallExpr
	ast.Inspect(e.t.body(), func(n ast.Node) bool {
		if lit, ok := n.(*ast.FuncLit); ok && targets[lit] {
			return false
		}
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if fn := typeutil.StaticCallee(info, call); fn != nil && fn.Pkg() != nil {
			switch {
			case fn.Pkg().Path() == "context" && (fn.Name() == "Background" || fn.Name() == "TODO"):
				wrap[dec.Dst.Nodes[call]] = true
			case fn.Pkg().Path() == "net/http" && fn.Name() == "NewRequest":
				if dc, ok := dec.Dst.Nodes[call].(*dst.CallExpr); ok {
					newReqs = append(newReqs, dc)
				}
			}
		}
		return true
	})
	_, body := dstFunc(dec.Dst.Nodes[e.t.node()])
	dstutil.Apply(body, nil, func(c *dstutil.Cursor) bool {
		if wrap[c.Node()] {
			c.Replace(withSpan(c.Node().(dst.Expr), e.span))
		}
		return true
	})
	for _, call := range newReqs {
		id, ok := call.Fun.(*dst.Ident)
		if !ok {
			continue
		}
		id.Name = "NewRequestWithContext"
		call.Args = append([]dst.Expr{withSpan(spanContext(e), e.span)}, call.Args...)
	}
}

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

// spanContext is the expression for the context carrying the function's span.
func spanContext(e *funcEdit) dst.Expr {
	if e.shape == ShapeGin {
		return &dst.CallExpr{Fun: &dst.SelectorExpr{
			X:   &dst.SelectorExpr{X: dst.NewIdent(e.ctxName), Sel: dst.NewIdent("Request")},
			Sel: dst.NewIdent("Context"),
		}}
	}
	return dst.NewIdent(e.ctxName)
}

// isWithSpan reports whether x is runtime.WithSpan(_, span) and returns its
// first argument.
func isWithSpan(x dst.Node, span string) (dst.Expr, bool) {
	call, ok := x.(*dst.CallExpr)
	if !ok || len(call.Args) != 2 {
		return nil, false
	}
	fn, ok := call.Fun.(*dst.Ident)
	if !ok || fn.Path != inject.RuntimePath || fn.Name != "WithSpan" {
		return nil, false
	}
	sp, ok := call.Args[1].(*dst.Ident)
	if !ok || sp.Path != "" || sp.Name != span {
		return nil, false
	}
	return call.Args[0], true
}

// isSpanContext reports whether x is the expression spanContext produced.
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

// unthread undoes thread in body for the span variable span.
func unthread(body *dst.BlockStmt, span string, gin bool, carrier string) {
	dstutil.Apply(body, func(c *dstutil.Cursor) bool {
		n := c.Node()
		if lit, ok := n.(*dst.FuncLit); ok && hasBegin(lit.Body) {
			return false
		}
		// Before the WithSpan inside it is unwrapped.
		if call, ok := n.(*dst.CallExpr); ok && len(call.Args) >= 1 {
			if fn, ok := call.Fun.(*dst.Ident); ok && fn.Path == "net/http" && fn.Name == "NewRequestWithContext" {
				if x, ok := isWithSpan(call.Args[0], span); ok && isSpanContext(x, gin, carrier) {
					fn.Name = "NewRequest"
					call.Args = call.Args[1:]
				}
			}
		}
		return true
	}, func(c *dstutil.Cursor) bool {
		n := c.Node()
		if x, ok := isWithSpan(n, span); ok {
			*x.Decorations() = *n.Decorations()
			c.Replace(x)
		}
		return true
	})
}
