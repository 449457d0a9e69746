package rewriter

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"sort"
	"strconv"
	"sync"

	"golang.org/x/sync/errgroup"

	"golang.org/x/tools/go/gcexportdata"
	"golang.org/x/tools/go/packages"
)

// typeGraph is the first typed load's import graph and types, against which
// new contents of loaded packages are type-checked in memory with
// go/types. A load with an overlay makes go/packages type-check every
// dependency from source (the standard library, Gin, gRPC included); here
// the dependencies that did not change keep the types the first typed load
// has already built from export data, and only the changed packages, and
// the loaded packages between them, are checked from source.
type typeGraph struct {
	cfg   config
	fset  *token.FileSet
	sizes types.Sizes
	graph map[string]*packages.Package // by path: the first load's import graph
	view  map[string]*types.Package    // by path: the types every import shares
}

// newTypeGraph collects the import graph of roots, packages of one typed
// load.
func newTypeGraph(cfg config, roots []*packages.Package) *typeGraph {
	tg := &typeGraph{cfg: cfg, graph: map[string]*packages.Package{}, view: map[string]*types.Package{}}
	var visit func(p *packages.Package)
	visit = func(p *packages.Package) {
		if _, ok := tg.graph[p.PkgPath]; ok {
			return
		}
		tg.graph[p.PkgPath] = p
		if p.Types != nil {
			tg.view[p.PkgPath] = p.Types
		}
		for _, q := range p.Imports {
			visit(q)
		}
	}
	for _, p := range roots {
		if tg.fset == nil {
			tg.fset, tg.sizes = p.Fset, p.TypesSizes
		}
		visit(p)
	}
	if tg.fset == nil {
		tg.fset = token.NewFileSet()
	}
	return tg
}

// holds reports whether every path is a package of the graph
// that compiles its Go files as they are (no cgo, whose generated files an
// overlay of the originals would not reach).
func (tg *typeGraph) holds(paths []string) bool {
	for _, path := range paths {
		p := tg.graph[path]
		if p == nil || !slices.Equal(p.GoFiles, p.CompiledGoFiles) {
			return false
		}
	}
	return true
}

// adopt adds to the graph the listed packages of paths that the first
// load did not reach (callers without directives), so that check can
// type-check them from source, their imports coming from export data. It
// reports whether every path can be checked in memory.
func (tg *typeGraph) adopt(listed []*packages.Package, paths []string, overlay map[string][]byte) bool {
	byPath := map[string]*packages.Package{}
	for _, p := range listed {
		byPath[p.PkgPath] = p
	}
	var add func(path string) *packages.Package
	add = func(path string) *packages.Package {
		if p := tg.graph[path]; p != nil {
			return p
		}
		l := byPath[path]
		if l == nil {
			// Not of the main module: its types come from export data.
			p := &packages.Package{ID: path, PkgPath: path}
			tg.graph[path] = p
			return p
		}
		p := &packages.Package{ID: l.ID, Name: l.Name, PkgPath: l.PkgPath, Module: l.Module,
			GoFiles: l.GoFiles, CompiledGoFiles: l.GoFiles, OtherFiles: l.OtherFiles, Imports: map[string]*packages.Package{}}
		tg.graph[path] = p
		for key, q := range l.Imports {
			qpath := q.PkgPath
			if qpath == "" {
				qpath = q.ID
			}
			p.Imports[key] = add(qpath)
		}
		return p
	}
	for _, path := range paths {
		if tg.graph[path] != nil {
			continue
		}
		l := byPath[path]
		if l == nil || len(l.OtherFiles) > 0 || usesCgo(l.GoFiles, overlay) {
			return false
		}
		add(path)
	}
	return tg.holds(paths)
}

// usesCgo reports whether one of the files imports "C".
func usesCgo(files []string, overlay map[string][]byte) bool {
	for _, name := range files {
		src, err := readFile(name, overlay)
		if err != nil {
			return true // let a load report it
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		if err != nil {
			return true
		}
		for _, is := range f.Imports {
			if is.Path.Value == `"C"` {
				return true
			}
		}
	}
	return false
}

// packagesOf returns the paths of the packages of the graph that the
// changed files belong to, sorted, and whether every file belongs to one.
func (tg *typeGraph) packagesOf(changes []FileChange) ([]string, bool) {
	byFile := map[string]string{}
	for path, p := range tg.graph {
		for _, names := range [][]string{p.GoFiles, p.CompiledGoFiles} {
			for _, name := range names {
				byFile[filepath.Clean(name)] = path
			}
		}
	}
	seen := map[string]bool{}
	var paths []string
	for _, c := range changes {
		path, ok := byFile[filepath.Clean(c.Path)]
		if !ok {
			return nil, false
		}
		if !seen[path] {
			seen[path] = true
			paths = append(paths, path)
		}
	}
	sort.Strings(paths)
	return paths, tg.holds(paths)
}

// srcPkg is a package being checked from source.
type srcPkg struct {
	orig   *packages.Package // its package in the first load
	files  []string          // compiled Go files
	full   bool              // changed: check bodies, record types
	syntax []*ast.File
	errs   []packages.Error
	once   sync.Once
	pkg    *types.Package
	info   *types.Info
}

// parse parses sp's files, reporting errors as go/packages does.
func (sp *srcPkg) parse(fset *token.FileSet, overlay map[string][]byte) {
	mode := parser.AllErrors | parser.ParseComments
	if !sp.full {
		mode = parser.SkipObjectResolution
	}
	for _, name := range sp.files {
		f, errs := parseFile(fset, name, overlay, mode)
		if f != nil {
			sp.syntax = append(sp.syntax, f)
		}
		sp.errs = append(sp.errs, errs...)
	}
}

// parseFile reads (from overlay, or else the disk) and parses one file,
// returning its syntax (nil when it could not be read) and its errors as
// go/packages reports them.
func parseFile(fset *token.FileSet, name string, overlay map[string][]byte, mode parser.Mode) (*ast.File, []packages.Error) {
	src, err := readFile(name, overlay)
	if err != nil {
		return nil, []packages.Error{{Pos: name, Msg: err.Error(), Kind: packages.ParseError}}
	}
	f, err := parser.ParseFile(fset, name, src, mode)
	var errs []packages.Error
	if el, ok := err.(scanner.ErrorList); ok {
		for _, e := range el {
			errs = append(errs, packages.Error{Pos: e.Pos.String(), Msg: e.Msg, Kind: packages.ParseError})
		}
	} else if err != nil {
		errs = append(errs, packages.Error{Pos: name, Msg: err.Error(), Kind: packages.ParseError})
	}
	return f, errs
}

// importPath is the package path an import of sp's files names.
func (sp *srcPkg) importPath(is *ast.ImportSpec) string {
	path, _ := strconv.Unquote(is.Path.Value)
	if q, ok := sp.orig.Imports[path]; ok {
		return q.PkgPath
	}
	return path
}

// parallel is a group that runs as many goroutines at once as there are
// processors.
func parallel() *errgroup.Group {
	g := new(errgroup.Group)
	g.SetLimit(goruntime.GOMAXPROCS(0))
	return g
}

// typeCheck type-checks the packages of paths (packages of the graph's
// graph) with the file contents of overlay (the rest read from disk), and
// returns them as go/packages would have loaded them: syntax, types and
// errors. Loaded packages that import one of them, directly or not, are
// checked from source too when they are imported, so that every type has
// one identity.
func (tg *typeGraph) typeCheck(paths []string, overlay map[string][]byte) ([]*packages.Package, error) {
	changed := map[string]bool{}
	for _, path := range paths {
		changed[path] = true
	}
	// reach: the loaded packages that depend on a changed one.
	reach := map[string]bool{}
	state := map[string]int{}
	var visit func(path string) bool
	visit = func(path string) bool {
		switch state[path] {
		case 1:
			return false // a cycle: reported by the type checker
		case 2:
			return reach[path]
		}
		state[path] = 1
		r := changed[path]
		if p := tg.graph[path]; p != nil {
			for _, q := range p.Imports {
				r = visit(q.PkgPath) || r
			}
		}
		state[path], reach[path] = 2, r
		return r
	}
	for path := range tg.graph {
		visit(path)
	}

	// The packages to check: the changed ones and, from their imports
	// down, the loaded ones that depend on a changed one (their bodies
	// need no checking). Files are parsed in parallel.
	src := map[string]*srcPkg{}
	var order []*srcPkg
	var add func(path string, full bool)
	add = func(path string, full bool) {
		if src[path] != nil {
			return
		}
		p := tg.graph[path]
		sp := &srcPkg{orig: p, files: p.CompiledGoFiles, full: full}
		src[path] = sp
		order = append(order, sp)
		for _, q := range p.Imports {
			if reach[q.PkgPath] {
				add(q.PkgPath, changed[q.PkgPath])
			}
		}
	}
	for _, path := range paths {
		add(path, true)
	}
	// Parse, then follow what the new contents import that the old did
	// not.
	for done := 0; done < len(order); {
		batch := order[done:]
		done = len(order)
		g := parallel()
		for _, sp := range batch {
			g.Go(func() error { sp.parse(tg.fset, overlay); return nil })
		}
		g.Wait()
		for _, sp := range batch {
			for _, f := range sp.syntax {
				for _, is := range f.Imports {
					if path := sp.importPath(is); reach[path] {
						add(path, changed[path])
					}
				}
			}
		}
	}
	if err := tg.loadExports(src); err != nil {
		return nil, err
	}
	// Imports that do not depend on a changed package come from export
	// data, read here once and in order, before the checks share them.
	type imported struct {
		pkg *types.Package
		err error
	}
	resolved := map[string]imported{}
	for _, sp := range order {
		for _, f := range sp.syntax {
			for _, is := range f.Imports {
				path := sp.importPath(is)
				if _, ok := resolved[path]; ok || reach[path] || path == "unsafe" || path == "C" {
					continue
				}
				t, err := tg.complete(path)
				resolved[path] = imported{t, err}
			}
		}
	}

	var checkPkg func(sp *srcPkg)
	importer := func(sp *srcPkg) types.ImporterFrom {
		return importerFunc(func(path string) (*types.Package, error) {
			if q, ok := sp.orig.Imports[path]; ok {
				path = q.PkgPath
			}
			if path == "unsafe" {
				return types.Unsafe, nil
			}
			if dep := src[path]; dep != nil {
				dep.once.Do(func() { checkPkg(dep) })
				return dep.pkg, nil
			}
			if r, ok := resolved[path]; ok {
				return r.pkg, r.err
			}
			return nil, fmt.Errorf("no types for %q", path)
		})
	}
	checkPkg = func(sp *srcPkg) {
		p := sp.orig
		sp.pkg = types.NewPackage(p.PkgPath, p.Name)
		tc := typesConfig(importer(sp), tg.sizes, moduleGoVersion(p.Module), &sp.errs)
		tc.IgnoreFuncBodies = !sp.full
		if sp.full {
			sp.info = newTypesInfo()
		}
		types.NewChecker(tc, tg.fset, sp.pkg, sp.info).Files(sp.syntax)
	}
	// A package imported by another is checked, once, by the first
	// check that needs it; the others wait for it.
	g := parallel()
	for _, path := range paths {
		sp := src[path]
		g.Go(func() error { sp.once.Do(func() { checkPkg(sp) }); return nil })
	}
	g.Wait()

	var out []*packages.Package
	for _, path := range paths {
		sp := src[path]
		p := sp.orig
		out = append(out, &packages.Package{
			ID: p.ID, Name: p.Name, PkgPath: p.PkgPath, Module: p.Module,
			GoFiles: p.GoFiles, CompiledGoFiles: p.CompiledGoFiles, OtherFiles: p.OtherFiles,
			Imports: p.Imports, Errors: sp.errs, Fset: tg.fset, Syntax: sp.syntax,
			Types: sp.pkg, TypesInfo: sp.info, TypesSizes: tg.sizes, IllTyped: len(sp.errs) > 0,
		})
	}
	return out, nil
}

// loadExports finds the export data of the packages that the files of
// pkgs import and that the first load did not type-check in full (imports
// the rewritten code adds, such as the runtime package), in one go list.
func (tg *typeGraph) loadExports(pkgs map[string]*srcPkg) error {
	seen := map[string]bool{}
	var missing []string
	for _, sp := range pkgs {
		for _, f := range sp.syntax {
			for _, is := range f.Imports {
				path := sp.importPath(is)
				if seen[path] || path == "unsafe" || path == "C" {
					continue
				}
				seen[path] = true
				if t := tg.view[path]; t != nil && t.Complete() {
					continue
				}
				if p := tg.graph[path]; p != nil && p.ExportFile != "" {
					continue
				}
				missing = append(missing, path)
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	lc := &packages.Config{Mode: packages.NeedName | packages.NeedExportFile, Dir: tg.cfg.Dir, Env: tg.cfg.Env}
	loaded, err := packages.Load(lc, missing...)
	if err != nil {
		return err
	}
	for _, p := range loaded {
		if tg.graph[p.PkgPath] == nil {
			tg.graph[p.PkgPath] = p
		} else if tg.graph[p.PkgPath].ExportFile == "" {
			tg.graph[p.PkgPath].ExportFile = p.ExportFile
		}
	}
	return nil
}

// complete returns the types of the package path in full, reading its
// export data into the graph's packages when the first load only holds
// the part of it that other export data mentioned.
func (tg *typeGraph) complete(path string) (*types.Package, error) {
	if t := tg.view[path]; t != nil && t.Complete() {
		return t, nil
	}
	p := tg.graph[path]
	if p == nil || p.ExportFile == "" {
		return nil, fmt.Errorf("no export data for %q", path)
	}
	f, err := os.Open(p.ExportFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := gcexportdata.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %v", p.ExportFile, err)
	}
	t, err := gcexportdata.Read(r, tg.fset, tg.view, path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %v", p.ExportFile, err)
	}
	return t, nil
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }
func (f importerFunc) ImportFrom(path, _ string, _ types.ImportMode) (*types.Package, error) {
	return f(path)
}

// newTypesInfo returns a types.Info that records everything the rewriter
// reads: the type checks of loaded, stripped and instrumented code all fill one.
// typesConfig returns the configuration of a type check that imports
// through imp and reports its errors into errs, as go/packages reports
// type errors.
func typesConfig(imp types.Importer, sizes types.Sizes, goVersion string, errs *[]packages.Error) *types.Config {
	return &types.Config{
		GoVersion: goVersion,
		Importer:  imp,
		Sizes:     sizes,
		Error: func(err error) {
			if te, ok := err.(types.Error); ok {
				*errs = append(*errs, packages.Error{Pos: te.Fset.Position(te.Pos).String(), Msg: te.Msg, Kind: packages.TypeError})
			}
		},
	}
}

// moduleGoVersion is the language version of m's go directive, as
// types.Config takes it, or "" when m states none.
func moduleGoVersion(m *packages.Module) string {
	if m != nil && m.GoVersion != "" {
		return "go" + m.GoVersion
	}
	return ""
}

func newTypesInfo() *types.Info {
	return &types.Info{
		Types:        map[ast.Expr]types.TypeAndValue{},
		Defs:         map[*ast.Ident]types.Object{},
		Uses:         map[*ast.Ident]types.Object{},
		Implicits:    map[ast.Node]types.Object{},
		Instances:    map[*ast.Ident]types.Instance{},
		Scopes:       map[ast.Node]*types.Scope{},
		Selections:   map[*ast.SelectorExpr]*types.Selection{},
		FileVersions: map[*ast.File]string{},
	}
}
