package rewriter

import (
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strings"

	"golang.org/x/tools/go/ast/astutil"
	"golang.org/x/tools/go/packages"

	"github.com/traceinject/traceinject/internal/recv"
)

// Finding the uses of functions that get a context parameter (see addctx.go).

// use is one reference to a function without a context.
type use struct {
	nf         *addctxFunc
	pkg        *packages.Package
	file       string
	path       []ast.Node // from the identifier out to the file
	ident      *ast.Ident
	call       *ast.CallExpr // nil unless the reference is called
	methodExpr bool
	methodVal  bool
	generated  bool
	pos        token.Position // of the identifier, in the current file
}

// collectUses finds every reference to a function without a context in the stripped
// packages and the test files of their test variants, in a fixed order.
// Positions are reported in the current files, through each file's map
// from its stripped content.
func (ai addctxInput) collectUses(ap *addctxPlan) []*use {
	var uses []*use
	scan := func(p *packages.Package, f *ast.File, name string, posOf func(token.Pos) token.Position) {
		gen := ast.IsGenerated(f)
		ast.Inspect(f, func(n ast.Node) bool {
			id, ok := n.(*ast.Ident)
			if !ok {
				return true
			}
			fn, ok := p.TypesInfo.Uses[id].(*types.Func)
			if !ok {
				return true
			}
			nf := ap.funcs[funcKey(fn)]
			if nf == nil {
				return true
			}
			path, _ := astutil.PathEnclosingInterval(f, id.Pos(), id.End())
			u := &use{nf: nf, pkg: p, file: name, path: path, ident: id, generated: gen, pos: posOf(id.Pos())}
			classifyUse(p.TypesInfo, u)
			uses = append(uses, u)
			return true
		})
	}
	for _, pr := range ai.runs {
		cp := ai.stripped[pr.p.PkgPath]
		byName := map[string]*fileState{}
		for _, fr := range pr.files {
			byName[fr.name] = fr
		}
		for _, nf := range goFilesSorted(cp) {
			posOf := cp.Fset.Position
			if fr := byName[nf.name]; fr != nil {
				posOf = func(pos token.Pos) token.Position { return fr.positionOf(cp.Fset, pos) }
			}
			scan(cp, nf.f, nf.name, posOf)
		}
	}
	for _, tv := range ai.tests {
		for _, nf := range goFilesSorted(tv) {
			if !strings.HasSuffix(nf.name, "_test.go") {
				continue
			}
			scan(tv, nf.f, nf.name, tv.Fset.Position)
		}
	}
	return uses
}

type namedFile struct {
	f    *ast.File
	name string
}

func goFilesSorted(p *packages.Package) []namedFile {
	var out []namedFile
	for f, name := range goFiles(p) {
		out = append(out, namedFile{f, name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// classifyUse decides whether u is a call (possibly of an instantiation,
// in parentheses, through a selector) or some other use.
func classifyUse(info *types.Info, u *use) {
	path := u.path
	i := 0 // path[i] is the expression that denotes the function
	if len(path) > 1 {
		if sel, ok := path[1].(*ast.SelectorExpr); ok && sel.Sel == u.ident {
			i = 1
			if s, ok := info.Selections[sel]; ok {
				switch s.Kind() {
				case types.MethodExpr:
					u.methodExpr = true
					return
				case types.MethodVal:
					u.methodVal = true
				}
			}
		}
	}
	for i+1 < len(path) {
		switch p := path[i+1].(type) {
		case *ast.ParenExpr:
			i++
			continue
		case *ast.IndexExpr:
			if p.X == path[i] {
				i++
				continue
			}
		case *ast.IndexListExpr:
			if p.X == path[i] {
				i++
				continue
			}
		case *ast.CallExpr:
			if p.Fun == path[i] {
				u.call = p
				u.methodVal = false
			}
		}
		break
	}
}

// callerName names the function a use sits in, for messages.
func callerName(u *use) string {
	for _, n := range u.path {
		if fd, ok := n.(*ast.FuncDecl); ok {
			if fd.Recv != nil && len(fd.Recv.List) == 1 {
				return recv.TypeName(fd.Recv.List[0].Type) + "." + fd.Name.Name
			}
			return fd.Name.Name
		}
	}
	return "package-level initializer"
}
