// Package policy is traceinject's tracing policy: what -check -require
// reports and -annotate annotates, and what the traceinject-vet analyzer
// reports. It reads type-checked packages (the command's one typed load, or
// an analysis pass) and finds
//
//   - gin: functions, method values and function literals registered as Gin
//     route handlers (the last handler passed to GET, POST, ..., Handle, Any
//     or Match of a *gin.Engine, *gin.RouterGroup, gin.IRoutes or
//     gin.IRouter) without //trace:span or //trace:ignore;
//   - grpc: clients and servers of a service that has a traced constructor
//     in its _trace.pb.go, created or registered without it, and services
//     or methods of a .pb.go/_grpc.pb.go that the _trace.pb.go next to it
//     lacks (or a missing _trace.pb.go);
//   - ctx: exported functions and methods with a context.Context parameter
//     without either directive;
//   - and, whatever the kinds, //trace:ignore without a reason.
package policy

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/traceinject/traceinject/internal/recv"
)

// Kinds says what the policy requires.
type Kinds struct {
	Gin, GRPC, Ctx bool
}

// Any reports whether anything is required.
func (k Kinds) Any() bool { return k.Gin || k.GRPC || k.Ctx }

// String is the comma list ParseKinds reads.
func (k Kinds) String() string {
	var s []string
	if k.Gin {
		s = append(s, "gin")
	}
	if k.GRPC {
		s = append(s, "grpc")
	}
	if k.Ctx {
		s = append(s, "ctx")
	}
	return strings.Join(s, ",")
}

// ParseKinds reads a comma list of gin, grpc and ctx.
func ParseKinds(s string) (Kinds, error) {
	var k Kinds
	for _, w := range strings.Split(s, ",") {
		switch strings.TrimSpace(w) {
		case "gin":
			k.Gin = true
		case "grpc":
			k.GRPC = true
		case "ctx":
			k.Ctx = true
		case "":
		default:
			return k, fmt.Errorf("-require: unknown kind %q (want a comma list of gin, grpc, ctx)", strings.TrimSpace(w))
		}
	}
	if !k.Any() {
		return k, fmt.Errorf("-require: empty list (want a comma list of gin, grpc, ctx)")
	}
	return k, nil
}

// The kinds of findings, as the JSON and github formats name them.
const (
	KindGin    = "gin"
	KindGRPC   = "grpc"
	KindCtx    = "ctx"
	KindIgnore = "ignore" // //trace:ignore without a reason
)

// Finding is one thing the policy requires and the code lacks.
type Finding struct {
	At       token.Pos // Pos in the package's FileSet
	Pos      token.Position
	Kind     string // KindGin, KindGRPC, KindCtx or KindIgnore
	Message  string
	Function string // the function it is about (for grpc calls, the caller), p.F, p.T.M, p.(*T).M, p.F.func1
	Route    string // gin: the routes it is registered for, "GET /user/:id"
	// Insert, when not nil, is the //trace:span line -annotate adds.
	Insert *Insertion
	// Obj is the function the finding is about, when it has one.
	Obj types.Object
}

// Insertion is text to insert at a byte offset of a file.
type Insertion struct {
	Offset int
	Text   string
}

func (f Finding) String() string { return fmt.Sprintf("%s: %s", f.Pos, f.Message) }

// Package is one type-checked package.
type Package struct {
	Fset  *token.FileSet
	Files []*ast.File
	Types *types.Package
	Info  *types.Info
	// ReadFile reads a file of the package (nil: os.ReadFile); it is
	// needed for the insertions of -annotate.
	ReadFile func(name string) ([]byte, error)
}

// Checker applies the policy to a set of packages.
type Checker struct {
	Kinds Kinds
	// External reports, for a function registered as a Gin handler that
	// none of the checked packages declares, whether it carries a directive
	// (covered) and whether that is known at all (known). Nil: unknown,
	// and such handlers are not reported.
	External func(fn *types.Func) (covered, known bool)
	// ReportAtUse reports handlers declared in other packages at the
	// registration, as an analyzer must (it reports into the package it
	// analyzes); the command reports every handler at its declaration.
	ReportAtUse bool
}

// funcDecl is a declared function of the checked packages.
type funcDecl struct {
	pkg     *Package
	file    *ast.File
	decl    *ast.FuncDecl
	fn      *types.Func
	covered bool
}

// handler is a registered Gin handler, deduplicated by its function.
type handler struct {
	decl   *funcDecl    // a declared function
	lit    *ast.FuncLit // or a literal
	litPkg *Package
	litAt  *ast.File
	outer  *ast.FuncDecl
	fn     *types.Func // declared elsewhere
	use    token.Pos   // first registration
	usePkg *Package
	routes []string
}

// Check returns the findings in pkgs, sorted by position.
func (c *Checker) Check(pkgs []*Package) []Finding {
	decls := map[*types.Func]*funcDecl{}
	byName := map[string]*funcDecl{}
	var out []Finding
	for _, p := range pkgs {
		for _, f := range p.Files {
			gen := ast.IsGenerated(f)
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok {
					continue
				}
				fn, _ := p.Info.Defs[fd.Name].(*types.Func)
				if fn == nil {
					continue
				}
				dir := directiveIn(fd.Doc)
				x := &funcDecl{pkg: p, file: f, decl: fd, fn: fn, covered: dir != nil || gen}
				decls[fn] = x
				byName[fn.FullName()] = x
			}
			if !gen {
				out = append(out, emptyIgnores(p, f)...)
			}
		}
	}
	lookup := func(fn *types.Func) *funcDecl {
		fn = fn.Origin()
		if d := decls[fn]; d != nil {
			return d
		}
		return byName[fn.FullName()]
	}
	if c.Kinds.Gin {
		out = append(out, c.gin(pkgs, lookup)...)
	}
	if c.Kinds.GRPC {
		for _, p := range pkgs {
			out = append(out, grpcCalls(p)...)
			out = append(out, grpcFiles(p)...)
		}
	}
	if c.Kinds.Ctx {
		reported := map[*ast.FuncDecl]bool{}
		for _, f := range out {
			if fd, ok := f.Obj.(*types.Func); ok {
				if d := lookup(fd); d != nil {
					reported[d.decl] = true
				}
			}
		}
		for _, p := range pkgs {
			for _, f := range p.Files {
				if ast.IsGenerated(f) {
					continue
				}
				for _, d := range f.Decls {
					fd, ok := d.(*ast.FuncDecl)
					if !ok || fd.Body == nil || !fd.Name.IsExported() || reported[fd] {
						continue
					}
					fn, _ := p.Info.Defs[fd.Name].(*types.Func)
					x := decls[fn]
					if fn == nil || x == nil || x.covered || !hasContextParam(p.Info, fd.Type) {
						continue
					}
					name := funcName(x.fn)
					out = append(out, Finding{
						At: fd.Pos(), Pos: p.Fset.Position(fd.Pos()), Kind: KindCtx, Function: name, Obj: x.fn,
						Message: fmt.Sprintf("%s has a context.Context parameter and no //trace:span or //trace:ignore", name),
						Insert:  declInsertion(p, fd),
					})
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Pos, out[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return out
}

// directiveIn returns the //trace:span or //trace:ignore comment of a doc
// comment.
func directiveIn(cg *ast.CommentGroup) *ast.Comment {
	if cg == nil {
		return nil
	}
	for _, c := range cg.List {
		if _, ok := directive(c.Text); ok {
			return c
		}
	}
	return nil
}

// directive reads a comment as //trace:span or //trace:ignore; for ignore
// it returns the reason.
func directive(text string) (reason string, ok bool) {
	for _, w := range []string{"//trace:span", "//trace:ignore"} {
		if rest, found := strings.CutPrefix(text, w); found && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			if w == "//trace:ignore" {
				return strings.TrimSpace(rest), true
			}
			return "span", true
		}
	}
	return "", false
}

// emptyIgnores reports every //trace:ignore of f without a reason.
func emptyIgnores(p *Package, f *ast.File) []Finding {
	var out []Finding
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if reason, ok := directive(c.Text); ok && reason == "" {
				out = append(out, Finding{At: c.Pos(), Pos: p.Fset.Position(c.Pos()), Kind: KindIgnore,
					Message: "//trace:ignore needs a reason under -require (//trace:ignore REASON)"})
			}
		}
	}
	return out
}

func hasContextParam(info *types.Info, ft *ast.FuncType) bool {
	for _, field := range ft.Params.List {
		if isNamed(info.TypeOf(field.Type), "context", "Context") {
			return true
		}
	}
	return false
}

func isNamed(t types.Type, pkg, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkg && n.Obj().Name() == name
}

// funcName is p.F, p.T.M or p.(*T).M.
func funcName(fn *types.Func) string {
	pkg := ""
	if fn.Pkg() != nil {
		pkg = fn.Pkg().Name() + "."
	}
	sig, _ := fn.Type().(*types.Signature)
	if sig == nil || sig.Recv() == nil {
		return pkg + fn.Name()
	}
	t := types.Unalias(sig.Recv().Type())
	ptr := false
	if p, ok := t.(*types.Pointer); ok {
		t, ptr = types.Unalias(p.Elem()), true
	}
	recv := "?"
	switch t := t.(type) {
	case *types.Named:
		recv = t.Obj().Name()
	case *types.Interface:
		recv = "interface"
	}
	if ptr {
		return pkg + "(*" + recv + ")." + fn.Name()
	}
	return pkg + recv + "." + fn.Name()
}

// litName is the name of a literal: its outer function's, then funcN as
// the compiler numbers closures.
func litName(p *Package, outer *ast.FuncDecl, lit *ast.FuncLit) string {
	name := outer.Name.Name
	if fn, ok := p.Info.Defs[outer.Name].(*types.Func); ok {
		name = funcName(fn)
	}
	n, found := 0, false
	ast.Inspect(outer.Body, func(x ast.Node) bool {
		if found {
			return false
		}
		if l, ok := x.(*ast.FuncLit); ok {
			n++
			found = l == lit
		}
		return !found
	})
	return name + ".func" + strconv.Itoa(n)
}

func readFile(p *Package, name string) ([]byte, error) {
	if p.ReadFile != nil {
		return p.ReadFile(name)
	}
	return os.ReadFile(name)
}

// declInsertion is //trace:span as the new last line of fd's doc comment
// (after a blank // line, where gofmt would put one before a directive), or
// as a new doc comment.
func declInsertion(p *Package, fd *ast.FuncDecl) *Insertion {
	if fd.Doc == nil {
		off := p.Fset.Position(fd.Pos()).Offset
		return &Insertion{Offset: off, Text: "//trace:span\n"}
	}
	last := fd.Doc.List[len(fd.Doc.List)-1]
	off := p.Fset.Position(fd.Doc.End()).Offset
	if isGoDirective(last.Text) {
		return &Insertion{Offset: off, Text: "\n//trace:span"}
	}
	return &Insertion{Offset: off, Text: "\n//\n//trace:span"}
}

// isGoDirective is gofmt's test for a directive line (//go:noinline,
// //lint:ignore, //trace:span): such lines end a doc comment after a blank
// line.
func isGoDirective(text string) bool {
	if text == "//" {
		return true // a blank line ends the text already
	}
	c, ok := strings.CutPrefix(text, "//")
	if !ok {
		return false
	}
	colon := strings.Index(c, ":")
	if colon <= 0 || colon+1 >= len(c) {
		return false
	}
	for i := 0; i <= colon+1; i++ {
		if i == colon {
			continue
		}
		b := c[i]
		if !('a' <= b && b <= 'z' || '0' <= b && b <= '9') {
			return false
		}
	}
	return true
}

// ---- gin ----

const ginPath = "github.com/gin-gonic/gin"

var routeMethods = map[string]string{
	"GET": "GET", "POST": "POST", "PUT": "PUT", "PATCH": "PATCH", "DELETE": "DELETE",
	"HEAD": "HEAD", "OPTIONS": "OPTIONS", "Any": "ANY", "Handle": "", "Match": "",
}

// ginMethod returns the gin method a call calls on an Engine, RouterGroup,
// IRoutes or IRouter, if any.
func ginMethod(info *types.Info, call *ast.CallExpr) (*types.Func, *ast.SelectorExpr) {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return nil, nil
	}
	s := info.Selections[sel]
	if s == nil || s.Kind() != types.MethodVal {
		return nil, nil
	}
	fn, _ := s.Obj().(*types.Func)
	if fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != ginPath {
		return nil, nil
	}
	recv := fn.Type().(*types.Signature).Recv()
	if recv == nil {
		return nil, nil
	}
	t := types.Unalias(recv.Type())
	if p, ok := t.(*types.Pointer); ok {
		t = types.Unalias(p.Elem())
	}
	// Interface methods have the interface as receiver; use the static
	// type of the operand for their name.
	if _, ok := t.(*types.Interface); ok {
		t = types.Unalias(info.TypeOf(sel.X))
		if p, ok := t.(*types.Pointer); ok {
			t = types.Unalias(p.Elem())
		}
	}
	n, ok := t.(*types.Named)
	if !ok {
		return nil, nil
	}
	switch n.Obj().Name() {
	case "Engine", "RouterGroup", "IRoutes", "IRouter":
		return fn, sel
	}
	return nil, nil
}

func (c *Checker) gin(pkgs []*Package, lookup func(*types.Func) *funcDecl) []Finding {
	var hs []*handler
	byDecl := map[*funcDecl]*handler{}
	byFunc := map[*types.Func]*handler{}
	cg := newCallGraph(pkgs)
	eachFuncBody(pkgs, func(p *Package, f *ast.File, fd *ast.FuncDecl) {
		r := cg.resolver(p, fd)
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn, sel := ginMethod(p.Info, call)
			if fn == nil {
				return true
			}
			method, isRoute := routeMethods[fn.Name()]
			if !isRoute || call.Ellipsis.IsValid() {
				return true
			}
			args := call.Args
			var pathArg ast.Expr
			switch fn.Name() {
			case "Handle":
				if len(args) < 3 {
					return true
				}
				method = "HANDLE"
				if s, ok := constString(p.Info, args[0]); ok {
					method = s
				}
				pathArg, args = args[1], args[2:]
			case "Match":
				if len(args) < 3 {
					return true
				}
				method = "MATCH"
				if ms, ok := constStrings(p.Info, args[0]); ok {
					method = strings.Join(ms, ",")
				}
				pathArg, args = args[1], args[2:]
			default:
				if len(args) < 2 {
					return true
				}
				pathArg, args = args[0], args[1:]
			}
			routes := []string{method}
			if rel, ok := constString(p.Info, pathArg); ok {
				routes = nil
				for _, base := range r.prefixes(sel.X, 0) {
					routes = append(routes, method+" "+joinPaths(base, rel))
				}
			}
			// The last handler is the route's; those before it
			// are middlewares for that route.
			h := r.follow(args[len(args)-1])
			var x *handler
			switch h := h.(type) {
			case *ast.FuncLit:
				x = &handler{lit: h, litPkg: p, litAt: f, outer: fd, use: call.Pos(), usePkg: p}
				hs = append(hs, x)
			case *ast.Ident, *ast.SelectorExpr:
				hfn := funcOf(p.Info, h)
				if hfn == nil {
					return true
				}
				if d := lookup(hfn); d != nil {
					if x = byDecl[d]; x == nil {
						x = &handler{decl: d, use: h.Pos(), usePkg: p}
						byDecl[d] = x
						hs = append(hs, x)
					}
				} else {
					if x = byFunc[hfn.Origin()]; x == nil {
						x = &handler{fn: hfn.Origin(), use: h.Pos(), usePkg: p}
						byFunc[hfn.Origin()] = x
						hs = append(hs, x)
					}
				}
			default:
				return true // a call's result, a variable: not followed
			}
			for _, route := range routes {
				if !slices.Contains(x.routes, route) {
					x.routes = append(x.routes, route)
				}
			}
			return true
		})
	})
	var out []Finding
	for _, h := range hs {
		route := strings.Join(h.routes, ", ")
		switch {
		case h.lit != nil:
			if litCovered(h.litPkg, h.litAt, h.outer, h.lit) {
				continue
			}
			name := litName(h.litPkg, h.outer, h.lit)
			out = append(out, Finding{
				At: h.lit.Pos(), Pos: h.litPkg.Fset.Position(h.lit.Pos()), Kind: KindGin, Function: name, Route: route,
				Message: fmt.Sprintf("handler %s (%s) has no //trace:span or //trace:ignore", name, route),
				Insert:  litInsertion(h.litPkg, h.litAt, h.outer, h.lit),
			})
		case h.decl != nil:
			if h.decl.covered {
				continue
			}
			name := funcName(h.decl.fn)
			f := Finding{
				At: h.decl.decl.Pos(), Pos: h.decl.pkg.Fset.Position(h.decl.decl.Pos()), Kind: KindGin, Function: name, Route: route, Obj: h.decl.fn,
				Message: fmt.Sprintf("handler %s (%s) has no //trace:span or //trace:ignore", name, route),
				Insert:  declInsertion(h.decl.pkg, h.decl.decl),
			}
			if c.ReportAtUse && h.decl.pkg != h.usePkg {
				f.At, f.Pos, f.Insert = h.use, h.usePkg.Fset.Position(h.use), nil
			}
			out = append(out, f)
		case h.fn != nil:
			if c.External == nil {
				continue
			}
			covered, known := c.External(h.fn)
			if covered || !known {
				continue
			}
			name := funcName(h.fn)
			out = append(out, Finding{
				At: h.use, Pos: h.usePkg.Fset.Position(h.use), Kind: KindGin, Function: name, Route: route, Obj: h.fn,
				Message: fmt.Sprintf("handler %s (%s) has no //trace:span or //trace:ignore", name, route),
			})
		}
	}
	return out
}

// funcOf is the function an identifier or selector refers to: a function,
// a qualified function, or a method value.
func funcOf(info *types.Info, x ast.Expr) *types.Func {
	switch x := x.(type) {
	case *ast.Ident:
		fn, _ := info.Uses[x].(*types.Func)
		return fn
	case *ast.SelectorExpr:
		if s := info.Selections[x]; s != nil {
			if s.Kind() != types.MethodVal && s.Kind() != types.MethodExpr {
				return nil
			}
			fn, _ := s.Obj().(*types.Func)
			if fn != nil {
				if _, iface := types.Unalias(s.Recv()).Underlying().(*types.Interface); iface {
					return nil
				}
			}
			return fn
		}
		fn, _ := info.Uses[x.Sel].(*types.Func)
		return fn
	}
	return nil
}

func constString(info *types.Info, x ast.Expr) (string, bool) {
	tv, ok := info.Types[x]
	if !ok || tv.Value == nil || tv.Value.Kind() != constant.String {
		return "", false
	}
	return constant.StringVal(tv.Value), true
}

func constStrings(info *types.Info, x ast.Expr) ([]string, bool) {
	cl, ok := ast.Unparen(x).(*ast.CompositeLit)
	if !ok {
		return nil, false
	}
	var out []string
	for _, e := range cl.Elts {
		s, ok := constString(info, e)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, len(out) > 0
}

// joinPaths joins a group's base path and a relative path as Gin does.
func joinPaths(abs, rel string) string {
	if rel == "" {
		return abs
	}
	final := path.Join(abs, rel)
	if strings.HasSuffix(rel, "/") && !strings.HasSuffix(final, "/") {
		return final + "/"
	}
	return final
}

// resolver follows a router expression back to the Group calls that made
// it: within one function, and from a parameter to the arguments of every
// call of the function in the checked packages.
type resolver struct {
	info   *types.Info
	body   *ast.BlockStmt
	decl   *ast.FuncDecl
	fn     *types.Func
	cg     *callGraph
	assign map[*types.Var][]ast.Expr
}

// callGraph holds the static calls of every declared function of the
// checked packages, for following a router parameter to its arguments.
type callGraph struct {
	calls     map[*types.Func][]callSite
	resolvers map[*ast.FuncDecl]*resolver
	active    map[paramKey]bool // parameters being followed (recursion)
}

type callSite struct {
	pkg  *Package
	decl *ast.FuncDecl // the calling function
	call *ast.CallExpr
}

type paramKey struct {
	fn *types.Func
	i  int
}

// eachFuncBody calls fn with every function declaration of pkgs that has a
// body, in order, with its package and file.
func eachFuncBody(pkgs []*Package, fn func(p *Package, f *ast.File, fd *ast.FuncDecl)) {
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
					fn(p, f, fd)
				}
			}
		}
	}
}

func newCallGraph(pkgs []*Package) *callGraph {
	cg := &callGraph{calls: map[*types.Func][]callSite{}, resolvers: map[*ast.FuncDecl]*resolver{}, active: map[paramKey]bool{}}
	eachFuncBody(pkgs, func(p *Package, _ *ast.File, fd *ast.FuncDecl) {
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || call.Ellipsis.IsValid() {
				return true
			}
			fun := ast.Unparen(call.Fun)
			if sel, ok := fun.(*ast.SelectorExpr); ok {
				if s := p.Info.Selections[sel]; s != nil && s.Kind() != types.MethodVal {
					return true // a method expression: arguments shift
				}
			}
			if fn := funcOf(p.Info, fun); fn != nil {
				cg.calls[fn.Origin()] = append(cg.calls[fn.Origin()], callSite{p, fd, call})
			}
			return true
		})
	})
	return cg
}

func (cg *callGraph) resolver(p *Package, fd *ast.FuncDecl) *resolver {
	r := cg.resolvers[fd]
	if r == nil {
		fn, _ := p.Info.Defs[fd.Name].(*types.Func)
		r = &resolver{info: p.Info, body: fd.Body, decl: fd, fn: fn, cg: cg}
		cg.resolvers[fd] = r
	}
	return r
}

// prefixes are the base paths the router x can have, sorted: one for a
// router built in the function from gin.New or gin.Default through Group
// and Use calls on local variables assigned once ("/api/user"); one per
// distinct argument when x comes from a parameter of a function whose
// every static call in the checked packages can be followed so; a path
// relative to an unknown base otherwise ("" + the groups in between: a
// field, a call's result, a function never called directly). A Group
// whose path is not a constant adds nothing.
func (r *resolver) prefixes(x ast.Expr, depth int) []string {
	if depth > 16 {
		return []string{""}
	}
	x = ast.Unparen(x)
	switch x := x.(type) {
	case *ast.CallExpr:
		if fn, sel := ginMethod(r.info, x); fn != nil {
			switch fn.Name() {
			case "Group":
				bases := r.prefixes(sel.X, depth+1)
				if len(x.Args) > 0 {
					if rel, ok := constString(r.info, x.Args[0]); ok {
						var out []string
						for _, base := range bases {
							if p := joinPaths(base, rel); !slices.Contains(out, p) {
								out = append(out, p)
							}
						}
						sort.Strings(out)
						return out
					}
				}
				return bases
			case "Use":
				return r.prefixes(sel.X, depth+1)
			}
			return []string{""}
		}
		if fn := funcOf(r.info, ast.Unparen(x.Fun)); fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == ginPath &&
			(fn.Name() == "New" || fn.Name() == "Default") {
			return []string{"/"}
		}
	case *ast.Ident:
		v, _ := r.info.Uses[x].(*types.Var)
		if v == nil {
			return []string{""}
		}
		if v.Pos() < r.body.Pos() || v.Pos() >= r.body.End() {
			return r.paramPrefixes(v, depth)
		}
		r.collect()
		if vs := r.assign[v]; len(vs) == 1 && vs[0] != nil {
			return r.prefixes(vs[0], depth+1)
		}
	}
	return []string{""}
}

// paramPrefixes follows the parameter v of r's function to the arguments
// of its calls: [""] when v is not a parameter or the function has no
// static call, none for a recursive call (the parameter is already being
// followed: the outer calls' arguments stand for it).
func (r *resolver) paramPrefixes(v *types.Var, depth int) []string {
	if r.fn == nil || r.decl.Type.Params == nil {
		return []string{""}
	}
	i, at := 0, -1
	for _, field := range r.decl.Type.Params.List {
		for _, name := range field.Names {
			if r.info.Defs[name] == v {
				at = i
			}
			i++
		}
		if len(field.Names) == 0 {
			i++
		}
	}
	key := paramKey{r.fn.Origin(), at}
	sites := r.cg.calls[key.fn]
	if at < 0 || len(sites) == 0 {
		return []string{""}
	}
	if r.cg.active[key] {
		return nil // a recursive call passes on what the outer calls pass
	}
	r.cg.active[key] = true
	defer delete(r.cg.active, key)
	var out []string
	for _, cs := range sites {
		if at >= len(cs.call.Args) {
			return []string{""}
		}
		for _, p := range r.cg.resolver(cs.pkg, cs.decl).prefixes(cs.call.Args[at], depth+1) {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	if len(out) == 0 {
		return []string{""}
	}
	sort.Strings(out)
	return out
}

// follow returns the expression a local variable assigned once holds
// (h := api.GetUser; r.GET("/", h)), or x.
func (r *resolver) follow(x ast.Expr) ast.Expr {
	x = ast.Unparen(x)
	for range 16 {
		id, ok := x.(*ast.Ident)
		if !ok {
			return x
		}
		v, _ := r.info.Uses[id].(*types.Var)
		if v == nil || v.Pos() < r.body.Pos() || v.Pos() >= r.body.End() {
			return x
		}
		r.collect()
		vs := r.assign[v]
		if len(vs) != 1 || vs[0] == nil {
			return x
		}
		x = ast.Unparen(vs[0])
	}
	return x
}

// collect records every assignment to a local variable of the body; nil
// stands for one the resolver cannot follow.
func (r *resolver) collect() {
	if r.assign != nil {
		return
	}
	r.assign = map[*types.Var][]ast.Expr{}
	record := func(id *ast.Ident, x ast.Expr) {
		obj := r.info.Defs[id]
		if obj == nil {
			obj = r.info.Uses[id]
		}
		if v, ok := obj.(*types.Var); ok {
			r.assign[v] = append(r.assign[v], x)
		}
	}
	ast.Inspect(r.body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				id, ok := lhs.(*ast.Ident)
				if !ok {
					continue
				}
				var rhs ast.Expr
				if len(n.Lhs) == len(n.Rhs) && (n.Tok == token.DEFINE || n.Tok == token.ASSIGN) {
					rhs = n.Rhs[i]
				}
				record(id, rhs)
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				var rhs ast.Expr
				if len(n.Names) == len(n.Values) {
					rhs = n.Values[i]
				}
				record(id, rhs)
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				if id, ok := ast.Unparen(n.X).(*ast.Ident); ok {
					record(id, nil) // its address escapes
				}
			}
		}
		return true
	})
}

// litStatement is the statement a directive above a literal would apply
// to: the outermost statement of outer's body that starts on the line of
// the innermost statement holding lit.
func litStatement(p *Package, outer *ast.FuncDecl, lit *ast.FuncLit) ast.Stmt {
	var inner ast.Stmt
	ast.Inspect(outer.Body, func(n ast.Node) bool {
		if n == nil || n.Pos() > lit.Pos() || n.End() < lit.End() {
			return false
		}
		if n == lit {
			return false
		}
		if s, ok := n.(ast.Stmt); ok {
			if _, block := s.(*ast.BlockStmt); !block {
				inner = s
			}
		}
		return true
	})
	if inner == nil {
		return nil
	}
	line := p.Fset.Position(inner.Pos()).Line
	var found ast.Stmt
	ast.Inspect(outer.Body, func(n ast.Node) bool {
		if found != nil {
			return false
		}
		if s, ok := n.(ast.Stmt); ok && n != outer.Body {
			if _, block := s.(*ast.BlockStmt); !block && p.Fset.Position(s.Pos()).Line == line {
				found = s
				return false
			}
		}
		return true
	})
	return found
}

// litCovered reports whether a directive sits on the line above the
// statement holding lit.
func litCovered(p *Package, f *ast.File, outer *ast.FuncDecl, lit *ast.FuncLit) bool {
	s := litStatement(p, outer, lit)
	if s == nil {
		return false
	}
	line := p.Fset.Position(s.Pos()).Line
	for _, cg := range f.Comments {
		if cg.Pos() > s.Pos() {
			break
		}
		if p.Fset.Position(cg.End()).Line == line-1 && directiveIn(cg) != nil {
			return true
		}
	}
	return false
}

// litInsertion puts //trace:span on its own line above the statement
// holding lit, when that statement holds no other literal and starts its
// line.
func litInsertion(p *Package, f *ast.File, outer *ast.FuncDecl, lit *ast.FuncLit) *Insertion {
	s := litStatement(p, outer, lit)
	if s == nil {
		return nil
	}
	n := 0
	ast.Inspect(s, func(x ast.Node) bool {
		if _, ok := x.(*ast.FuncLit); ok {
			n++
			return false
		}
		return true
	})
	if n != 1 {
		return nil
	}
	pos := p.Fset.Position(s.Pos())
	src, err := readFile(p, pos.Filename)
	if err != nil || pos.Offset > len(src) {
		return nil
	}
	start := pos.Offset
	for start > 0 && (src[start-1] == ' ' || src[start-1] == '\t') {
		start--
	}
	if start > 0 && src[start-1] != '\n' {
		return nil
	}
	return &Insertion{Offset: start, Text: string(src[start:pos.Offset]) + "//trace:span\n"}
}

// ---- grpc ----

// grpcCalls reports NewSClient calls and RegisterSServer registrations of
// services whose package has the traced constructors.
func grpcCalls(p *Package) []Finding {
	var out []Finding
	for _, f := range p.Files {
		if ast.IsGenerated(f) {
			continue
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			caller := fd.Name.Name
			if fn, ok := p.Info.Defs[fd.Name].(*types.Func); ok {
				caller = funcName(fn)
			}
			r := &resolver{info: p.Info, body: fd.Body}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				fn := funcOf(p.Info, ast.Unparen(call.Fun))
				if fn == nil || fn.Pkg() == nil || fn.Type().(*types.Signature).Recv() != nil {
					return true
				}
				scope, pkgName := fn.Pkg().Scope(), fn.Pkg().Name()
				name := fn.Name()
				if svc, ok := strings.CutPrefix(name, "New"); ok && strings.HasSuffix(svc, "Client") && !strings.HasPrefix(svc, "Traced") {
					traced := "NewTraced" + svc
					if scope.Lookup(traced) != nil {
						out = append(out, Finding{At: call.Pos(), Pos: p.Fset.Position(call.Pos()), Kind: KindGRPC, Function: caller,
							Message: fmt.Sprintf("gRPC client created with %s.%s: use %s.%s", pkgName, name, pkgName, traced)})
					}
				}
				if svc, ok := strings.CutPrefix(name, "Register"); ok && strings.HasSuffix(svc, "Server") && len(call.Args) == 2 {
					traced := "NewTraced" + svc
					tfn, _ := scope.Lookup(traced).(*types.Func)
					if tfn != nil && !r.madeBy(call.Args[1], tfn, 0) {
						out = append(out, Finding{At: call.Pos(), Pos: p.Fset.Position(call.Pos()), Kind: KindGRPC, Function: caller,
							Message: fmt.Sprintf("gRPC server registered with %s.%s without %s.%s", pkgName, name, pkgName, traced)})
					}
				}
				return true
			})
		}
	}
	return out
}

// madeBy reports whether x is a call of fn, directly or through a local
// variable assigned once.
func (r *resolver) madeBy(x ast.Expr, fn *types.Func, depth int) bool {
	if depth > 16 {
		return false
	}
	switch x := ast.Unparen(x).(type) {
	case *ast.CallExpr:
		g := funcOf(r.info, ast.Unparen(x.Fun))
		return g != nil && g.Origin() == fn.Origin()
	case *ast.Ident:
		v, _ := r.info.Uses[x].(*types.Var)
		if v == nil || v.Pos() < r.body.Pos() || v.Pos() >= r.body.End() {
			return false
		}
		r.collect()
		if vs := r.assign[v]; len(vs) == 1 && vs[0] != nil {
			return r.madeBy(vs[0], fn, depth+1)
		}
	}
	return false
}

// grpcFiles compares the services and methods of each .pb.go and
// _grpc.pb.go with its _trace.pb.go.
func grpcFiles(p *Package) []Finding {
	type service struct {
		iface   *ast.TypeSpec // the SServer interface
		file    string
		methods []*ast.Field
	}
	byStem := map[string][]*service{}
	traceFiles := map[string]*ast.File{}
	var stems []string
	for _, f := range p.Files {
		name := p.Fset.Position(f.Pos()).Filename
		switch {
		case strings.HasSuffix(name, "_trace.pb.go"):
			traceFiles[strings.TrimSuffix(name, "_trace.pb.go")] = f
			continue
		case strings.HasSuffix(name, "_grpc.pb.go"), strings.HasSuffix(name, ".pb.go"):
		default:
			continue
		}
		stem := strings.TrimSuffix(strings.TrimSuffix(name, "_grpc.pb.go"), ".pb.go")
		registers := map[string]bool{}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
				if svc, ok := strings.CutPrefix(fd.Name.Name, "Register"); ok {
					registers[svc] = true
				}
			}
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, s := range gd.Specs {
				ts := s.(*ast.TypeSpec)
				it, ok := ts.Type.(*ast.InterfaceType)
				if !ok || !strings.HasSuffix(ts.Name.Name, "Server") || !registers[ts.Name.Name] {
					continue
				}
				svc := &service{iface: ts, file: name}
				for _, m := range it.Methods.List {
					if len(m.Names) == 1 && m.Names[0].IsExported() {
						svc.methods = append(svc.methods, m)
					}
				}
				if _, ok := byStem[stem]; !ok {
					stems = append(stems, stem)
				}
				byStem[stem] = append(byStem[stem], svc)
			}
		}
	}
	sort.Strings(stems)
	var out []Finding
	for _, stem := range stems {
		tf := traceFiles[stem]
		traceName := filepath.Base(stem) + "_trace.pb.go"
		for _, svc := range byStem[stem] {
			s := strings.TrimSuffix(svc.iface.Name.Name, "Server")
			if tf == nil {
				out = append(out, Finding{At: svc.iface.Pos(), Pos: p.Fset.Position(svc.iface.Pos()), Kind: KindGRPC,
					Message: fmt.Sprintf("service %s has no %s (run protoc with --go-trace_out)", s, traceName)})
				continue
			}
			traced := map[string]bool{}
			hasCtor := false
			for _, d := range tf.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok {
					continue
				}
				if fd.Recv == nil {
					hasCtor = hasCtor || fd.Name.Name == "NewTraced"+s+"Server"
					continue
				}
				if len(fd.Recv.List) == 1 && recv.TypeName(fd.Recv.List[0].Type) == "traced_"+s+"_server" {
					traced[fd.Name.Name] = true
				}
			}
			if !hasCtor {
				out = append(out, Finding{At: svc.iface.Pos(), Pos: p.Fset.Position(svc.iface.Pos()), Kind: KindGRPC,
					Message: fmt.Sprintf("service %s is missing from %s (regenerate it with protoc-gen-go-trace)", s, traceName)})
				continue
			}
			for _, m := range svc.methods {
				if !traced[m.Names[0].Name] {
					out = append(out, Finding{At: m.Pos(), Pos: p.Fset.Position(m.Pos()), Kind: KindGRPC,
						Message: fmt.Sprintf("method %s.%s is missing from %s (regenerate it with protoc-gen-go-trace)", s, m.Names[0].Name, traceName)})
				}
			}
		}
	}
	return out
}
