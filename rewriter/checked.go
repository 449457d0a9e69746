package rewriter

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// InstrumentChecked computes what a plain run of traceinject changes in
// one package that the caller has already parsed (with comments) and
// type-checked: the new contents of its non-test files and the -check
// diagnostics about them, through the same stripping, planning and
// splicing as runPipeline, without loading anything. It is exported for package
// analyzer, whose driver (go vet, golangci-lint, gopls) supplies the
// package, so that its suggested fixes are the command's edits and not a
// second instrumenter's.
//
// A function that gets a context parameter changes its callers too: when
// it is unexported and no test file refers to it, every call is in the
// files given, and they get the command's edits; an exported one
// (callers possibly in other packages) or one a test calls, and every
// file that declares or refers to one, is left to the command (no change;
// a Stale diagnostic names the function). So are cgo packages (nothing is
// returned). readFile reads the files' current contents.
func InstrumentChecked(fset *token.FileSet, files []*ast.File, pkg *types.Package, info *types.Info, sizes types.Sizes, readFile func(string) ([]byte, error)) ([]FileChange, []Diagnostic, error) {
	var names []string
	var syntax []*ast.File
	overlay := map[string][]byte{}
	for _, f := range files {
		name := fset.File(f.Pos()).Name()
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		for _, is := range f.Imports {
			if is.Path.Value == `"C"` {
				return nil, nil, nil
			}
		}
		src, err := readFile(name)
		if err != nil {
			return nil, nil, err
		}
		names, syntax, overlay[name] = append(names, name), append(syntax, f), src
	}
	if len(syntax) == 0 {
		return nil, nil, nil
	}
	p := &packages.Package{ID: pkg.Path(), Name: pkg.Name(), PkgPath: pkg.Path(), Fset: fset,
		GoFiles: names, CompiledGoFiles: names, Syntax: syntax, Types: pkg, TypesInfo: info, TypesSizes: sizes}
	cfg := config{Mode: modeInstrument, Overlay: overlay}
	res := &runResult{}
	pr, err := stripPackage(cfg, p, res)
	if err != nil || pr == nil {
		res.sort()
		return nil, res.Diagnostics, err
	}
	var tests []*ast.File
	for _, f := range files {
		if strings.HasSuffix(fset.File(f.Pos()).Name(), "_test.go") {
			tests = append(tests, f)
		}
	}
	// A driver may analyze the package without its tests (go vet analyzes
	// the test variant, golangci-lint and gopls both): the test files of
	// the directory are read too, for the names they mention.
	var testSrc [][]byte
	if dir := filepath.Dir(names[0]); dir != "" {
		if matches, err := filepath.Glob(filepath.Join(dir, "*_test.go")); err == nil {
			for _, m := range matches {
				if src, err := os.ReadFile(m); err == nil {
					testSrc = append(testSrc, src)
				}
			}
		}
	}
	leaveCtxless(pr, res, tests, testSrc)
	cp := p
	if len(pr.strippedSrc) > 0 {
		cp = typeCheckStripped(p, pr, overlay)
		if len(cp.Errors) > 0 {
			res.Diagnostics = append(res.Diagnostics, pr.toCurrent(packageErrors(cp))...)
			res.sort()
			return nil, res.Diagnostics, nil
		}
	}
	// The unexported functions without a context that are left get their
	// parameter, and their calls, all in these files, an argument.
	ap, diags, err := planAddctx(addctxInput{cfg: cfg, runs: []*pkgState{pr},
		stripped: map[string]*packages.Package{cp.PkgPath: cp}, listed: []*packages.Package{p}})
	if err != nil {
		return nil, nil, err
	}
	res.Diagnostics = append(res.Diagnostics, diags...)
	if res.HasKind(Error) {
		res.sort()
		return nil, res.Diagnostics, nil
	}
	if err := instrumentPackage(pr, cp, res, ap); err != nil {
		return nil, nil, err
	}
	res.sort()
	return res.Changes, res.Diagnostics, nil
}

// leaveCtxless takes out of pr the files that the command alone can
// rewrite, and reports their annotated functions for it: the files that
// declare or refer to an annotated function without a context that is
// exported (its callers, in other packages too, get an argument) or
// referred to from a test file, or named in one of the directory's (the
// command edits those calls; a fix here edits the package's own files),
// and, transitively, to any other such
// function those files refer to. Unexported functions without a context
// whose every reference stays in the files kept are planned with them.
func leaveCtxless(pr *pkgState, res *runResult, tests []*ast.File, testSrc [][]byte) {
	in := &instrumenter{pkg: pr.p}
	info := pr.p.TypesInfo
	ctxless := map[types.Object]bool{}
	for _, fr := range pr.files {
		for _, t := range pr.curTargets[fr.name] {
			if t.dir.Kind != kindSpan || t.decl == nil || t.decl.Body == nil {
				continue
			}
			if shape, _ := in.shapeOf(t.decl.Type); shape == shapeNone {
				if obj := info.Defs[t.decl.Name]; obj != nil {
					ctxless[obj] = true
				}
			}
		}
	}
	if len(ctxless) == 0 {
		return
	}
	refs := func(f *ast.File) map[types.Object]bool {
		m := map[types.Object]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok {
				for _, obj := range []types.Object{info.Uses[id], info.Defs[id]} {
					if ctxless[obj] {
						m[obj] = true
					}
				}
			}
			return true
		})
		return m
	}
	leave := map[types.Object]bool{}
	for obj := range ctxless {
		if obj.Exported() {
			leave[obj] = true
		}
	}
	for _, f := range tests {
		for obj := range refs(f) {
			leave[obj] = true
		}
	}
	for obj := range ctxless {
		word := regexp.MustCompile(`\b` + regexp.QuoteMeta(obj.Name()) + `\b`)
		for _, src := range testSrc {
			if word.Match(src) {
				leave[obj] = true
			}
		}
	}
	fileRefs := map[string]map[types.Object]bool{}
	for _, fr := range pr.files {
		fileRefs[fr.name] = refs(fr.curAST)
	}
	left := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for _, fr := range pr.files {
			if left[fr.name] {
				continue
			}
			for obj := range fileRefs[fr.name] {
				if leave[obj] {
					left[fr.name], changed = true, true
					break
				}
			}
			if left[fr.name] {
				for obj := range fileRefs[fr.name] {
					leave[obj] = true
				}
			}
		}
	}
	var keep []*fileState
	for _, fr := range pr.files {
		if !left[fr.name] {
			keep = append(keep, fr)
			continue
		}
		for _, t := range pr.curTargets[fr.name] {
			if t.dir.Kind != kindSpan || hasBeginMarker(fr.curAST, t.body()) {
				continue
			}
			pos := pr.p.Fset.Position(t.comment.Pos())
			msg := funcName(t) + ": not instrumented (run traceinject)"
			if t.decl != nil && ctxless[info.Defs[t.decl.Name]] {
				where := ""
				if t.decl.Name.IsExported() {
					where = ", in other packages too,"
				}
				msg = fmt.Sprintf("%s: not instrumented; it has no context.Context parameter and gets one (run traceinject: its callers%s pass a context)", t.decl.Name.Name, where)
			}
			res.Diagnostics = append(res.Diagnostics, Diagnostic{pos, Stale, msg})
		}
		delete(pr.strippedSrc, fr.name)
	}
	pr.files = keep
}

// typeCheckStripped type-checks the non-test files of p with the stripped
// contents of pr, in memory, against the packages p's files import.
func typeCheckStripped(p *packages.Package, pr *pkgState, overlay map[string][]byte) *packages.Package {
	imports := map[string]*types.Package{}
	for _, t := range p.Types.Imports() {
		imports[t.Path()] = t
	}
	// The path an import spells may differ from the package's (vendor).
	for _, f := range p.Syntax {
		for _, is := range f.Imports {
			obj := p.TypesInfo.Implicits[is]
			if is.Name != nil {
				obj = p.TypesInfo.Defs[is.Name]
			}
			if pn, ok := obj.(*types.PkgName); ok {
				path, _ := strconv.Unquote(is.Path.Value)
				imports[path] = pn.Imported()
			}
		}
	}
	fset := token.NewFileSet()
	cp := &packages.Package{ID: p.ID, Name: p.Name, PkgPath: p.PkgPath, Fset: fset,
		GoFiles: p.GoFiles, CompiledGoFiles: p.CompiledGoFiles, TypesSizes: p.TypesSizes}
	for _, name := range p.GoFiles {
		src := overlay[name]
		if s, ok := pr.strippedSrc[name]; ok {
			src = s
		}
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			cp.Errors = append(cp.Errors, packages.Error{Pos: name, Msg: err.Error(), Kind: packages.ParseError})
			continue
		}
		cp.Syntax = append(cp.Syntax, f)
	}
	if len(cp.Errors) > 0 {
		return cp
	}
	cp.Types = types.NewPackage(p.PkgPath, p.Name)
	cp.TypesInfo = newTypesInfo()
	importer := importerFunc(func(path string) (*types.Package, error) {
		if path == "unsafe" {
			return types.Unsafe, nil
		}
		if t := imports[path]; t != nil {
			return t, nil
		}
		return nil, fmt.Errorf("no types for %q", path)
	})
	tc := typesConfig(importer, p.TypesSizes, p.Types.GoVersion(), &cp.Errors)
	types.NewChecker(tc, fset, cp.Types, cp.TypesInfo).Files(cp.Syntax)
	return cp
}
