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

func (in *instrumenter) applyOne(dec *decorator.Decorator, e *funcEdit, targets map[ast.Node]bool, rt string) error {
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

	data := inject.Data{Span: e.span, Name: e.name, Named: e.named, Follows: e.follows, Tags: e.tags, Err: e.errName}
	shape := inject.Context
	if e.shape == ShapeGin {
		shape, data.Gin = inject.Gin, e.ctxName
	} else {
		data.Ctx = e.ctxName
	}
	stmts, err := inject.Render(shape, data)
	if err != nil {
		return err
	}
	stmts[0].Decorations().Start.Append(e.marker().String())
	stmts[len(stmts)-1].Decorations().End.Append("\n", endMarker)
	body.List = append(stmts, body.List...)
	return nil
}

// addContextParam makes name context.Context the first parameter of ft,
// on a line of its own when the parameters are.
func addContextParam(ft *dst.FuncType, name string) {
	field := &dst.Field{Names: []*dst.Ident{dst.NewIdent(name)}, Type: &dst.Ident{Name: "Context", Path: "context"}}
	if ft.Params == nil {
		ft.Params = &dst.FieldList{Opening: true, Closing: true}
	}
	if len(ft.Params.List) > 0 && ft.Params.List[0].Decs.Before == dst.NewLine {
		field.Decs.Before = dst.NewLine
	}
	ft.Params.List = append([]*dst.Field{field}, ft.Params.List...)
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
		var x dst.Expr
		switch arg.kind {
		case argVar:
			x = dst.NewIdent(arg.name)
		case argGin:
			x = &dst.CallExpr{Fun: &dst.SelectorExpr{
				X:   &dst.SelectorExpr{X: dst.NewIdent(arg.name), Sel: dst.NewIdent("Request")},
				Sel: dst.NewIdent("Context"),
			}}
		case argMethod:
			x = &dst.CallExpr{Fun: &dst.SelectorExpr{X: dst.NewIdent(arg.name), Sel: dst.NewIdent("Context")}}
		case argTODO:
			x = &dst.CallExpr{Fun: &dst.Ident{Name: "TODO", Path: "context"}}
			todo = true
		}
		if len(dc.Args) > 0 && dc.Args[0].Decorations().Before == dst.NewLine {
			x.Decorations().Before, x.Decorations().After = dst.NewLine, dst.NewLine
		}
		dc.Args = append([]dst.Expr{x}, dc.Args...)
		return true
	})
	return todo
}

// renameFields gives the i-th name of fl the name names[i]; fields without
// names get one each.
func renameFields(fl *dst.FieldList, names map[int]string) {
	if fl == nil || len(names) == 0 {
		return
	}
	i := 0
	for _, f := range fl.List {
		if len(f.Names) == 0 {
			f.Names = []*dst.Ident{dst.NewIdent(names[i])}
			i++
			continue
		}
		for _, id := range f.Names {
			if n, ok := names[i]; ok {
				id.Name = n
			}
			i++
		}
	}
}

// parseFieldLists parses the recorded original parameter and result lists.
func parseFieldLists(params, results string) (*dst.FieldList, *dst.FieldList, error) {
	if params == "" {
		params = "()"
	}
	src := "package _\n\nfunc _" + params + " " + results + " {}\n"
	f, err := decorator.Parse(src)
	if err != nil {
		return nil, nil, fmt.Errorf("bad signature recorded in marker: %v", err)
	}
	ft := f.Decls[0].(*dst.FuncDecl).Type
	return ft.Params, ft.Results, nil
}
