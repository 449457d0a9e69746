package rewriter

import (
	"go/ast"

	"github.com/dave/dst"
	"github.com/dave/dst/decorator"
	"github.com/dave/dst/dstutil"
	"golang.org/x/tools/go/types/typeutil"
)

// Context threading. Inside an annotated body (not inside nested annotated
// literals, which get their own span):
//
//	context.Background()      -> runtime.WithSpan(context.Background(), span)
//	context.TODO()            -> runtime.WithSpan(context.TODO(), span)
//	http.NewRequest(m, u, b)  -> http.NewRequestWithContext(runtime.Background(span), m, u, b)
//
// Every threaded expression is thus a call of the runtime package whose last
// argument is the function's span variable, which no user code can name
// before instrumentation (the name is fresh): that is how stripping
// recognizes them.
//
// http.NewRequest uses context.Background(), so its request must get that
// same cancellation (none) plus the span, never the function's context: a
// request built in a handler and sent after it returned (by a goroutine, a
// scheduled job) would be cancelled with the handler's request.
// runtime.Background(span) is context.Background() carrying the span; it is
// not written as WithSpan(context.Background(), span), which is also what a
// user's own http.NewRequestWithContext(context.Background(), ...) becomes.
//
// A *gin.Context passed where a context.Context is expected is left as it
// is: callees may type-assert it (ctx.(*gin.Context)), and a wrapping
// context would answer them differently. The span reaches them through c
// when gin's Engine.ContextWithFallback is set (c.Value then reads
// c.Request.Context(), which carries the span); tracegin says so at run time
// when it is not.
//
// Earlier versions wrote two shapes that stripping still recognizes, so
// that users who upgrade can remove and update their instrumentation:
// runtime.WithSpan(c, span) for a *gin.Context (unwrapped like every WithSpan
// of the span variable), and http.NewRequestWithContext(runtime.WithSpan(C,
// span), args...) for http.NewRequest(args...), where C is the function's
// context parameter, or c.Request.Context() in a Gin function (which is not
// what a call to a function given a context parameter passes:
// tracegin.RequestContext(c), see contextArg).

func (in *instrumenter) thread(dec *decorator.Decorator, e *funcEdit, targets map[ast.Node]bool) {
	info := in.pkg.TypesInfo
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
		threadNewRequest(call, e.span)
	}
}

// unthread undoes thread in body for the span variable span.
func unthread(body *dst.BlockStmt, span string, gin bool, carrier string) {
	dstutil.Apply(body, func(c *dstutil.Cursor) bool {
		n := c.Node()
		if lit, ok := n.(*dst.FuncLit); ok && hasBegin(lit.Body) {
			return false
		}
		// Before the WithSpan inside it is unwrapped.
		if call, ok := n.(*dst.CallExpr); ok {
			unthreadNewRequest(call, span, gin, carrier)
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
