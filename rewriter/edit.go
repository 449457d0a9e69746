package rewriter

import (
	"fmt"
	"go/ast"

	"github.com/dave/dst"
	"github.com/dave/dst/decorator"

	"github.com/traceinject/traceinject/templates/inject"
)

// marker is the //trace:begin marker of e. When the tool had to change the
// signature it records the original parameter and result lists there, so
// that Remove restores them exactly.
func (e *funcEdit) marker() beginAttrs {
	return beginAttrs{version: inject.ShapeVersion, params: e.params, results: e.results, oneLine: e.oneLine}
}

func dstFunc(n dst.Node) (*dst.FuncType, *dst.BlockStmt) {
	switch n := n.(type) {
	case *dst.FuncDecl:
		return n.Type, n.Body
	case *dst.FuncLit:
		return n.Type, n.Body
	}
	return nil, nil
}

func (in *instrumenter) applyOne(dec *decorator.Decorator, e *funcEdit, targets map[ast.Node]bool) error {
	ft, body := dstFunc(dec.Dst.Nodes[e.t.node()])
	if ft == nil || body == nil {
		return fmt.Errorf("%s: no syntax for function", funcName(e.t))
	}
	in.thread(dec, e, targets)
	if e.added != "" {
		addContextParam(ft, e.added)
	}
	renameFields(ft.Params, e.newParam)
	renameFields(ft.Results, e.newRes)

	stmts, err := prologue(e)
	if err != nil {
		return err
	}
	body.List = append(stmts, body.List...)
	return nil
}

// passContexts prepends the planned context argument to every call in f
// that needs one, and reports whether one of them is context.TODO().
func (in *instrumenter) passContexts(f *ast.File, dec *decorator.Decorator) bool {
	if in.ap == nil {
		return false
	}
	todo := false
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		arg, ok := in.ap.args[call]
		if !ok {
			return true
		}
		dc, ok := dec.Dst.Nodes[call].(*dst.CallExpr)
		if !ok {
			return true
		}
		x := contextArg(arg)
		todo = todo || arg.kind == argTODO
		if len(dc.Args) > 0 && dc.Args[0].Decorations().Before == dst.NewLine {
			x.Decorations().Before, x.Decorations().After = dst.NewLine, dst.NewLine
		}
		dc.Args = append([]dst.Expr{x}, dc.Args...)
		return true
	})
	return todo
}
