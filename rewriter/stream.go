package rewriter

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"golang.org/x/tools/go/gcexportdata"
	"golang.org/x/tools/go/packages"
)

// The package-at-a-time run.
//
// When no annotated function gets a context parameter, what a package
// becomes depends on its own files and on the types of its imports, nothing
// else: such a run lists the packages with directives once with their
// imports' compiled export data, as go vet does, and then strips, type-checks
// and instruments one package at a time (as many at once as there are
// processors), dropping its syntax and types as soon as its result is
// made. The result of a package may come from the result cache (cache.go)
// instead. Everything else (a function that gets a context parameter, whose
// callers must be planned together; a package that does not build; cgo; the
// policy) takes the whole-run path of runPipeline, which type-checks every package
// in one load.

// exportMode lists packages with everything a type check against their
// imports' export data needs, without the syntax and types.
const exportMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
	packages.NeedImports | packages.NeedDeps | packages.NeedExportFile | packages.NeedTypesSizes |
	packages.NeedModule

// errWhole stops a package-at-a-time run: the run needs the whole-run path.
var errWhole = fmt.Errorf("the run needs every package at once")

// runByPackage is runPipeline, one package at a time: paths are the packages with
// directives, listed the listed packages of the main modules, diags the
// listing's diagnostics. It returns false when the run needs the whole-run
// path (nothing is lost: it has written nothing).
func runByPackage(cfg config, listed []*packages.Package, paths []string, diags []Diagnostic) (*runResult, bool, error) {
	if cfg.policy() {
		return nil, false, nil
	}
	res := &runResult{Diagnostics: diags, roots: moduleRoots(listed)}
	var typed []*packages.Package
	if len(paths) > 0 {
		// A rewrite must not be written when a package of the patterns
		// does not build: they are listed with export data too, which
		// compiles them (or finds them in the build cache).
		want := slices.Clone(paths)
		if cfg.Verify {
			for _, p := range listed {
				if !slices.Contains(want, p.PkgPath) {
					want = append(want, p.PkgPath)
				}
			}
		}
		lc := &packages.Config{Mode: exportMode, Dir: cfg.Dir, Env: cfg.Env, Overlay: cfg.Overlay}
		roots, err := packages.Load(lc, want...)
		if err != nil {
			return nil, false, err
		}
		byPath := map[string]*packages.Package{}
		for _, p := range roots {
			if len(p.Errors) > 0 || !slices.Equal(p.GoFiles, p.CompiledGoFiles) || !exportsOfImports(p) {
				return nil, false, nil
			}
			byPath[p.PkgPath] = p
		}
		for _, path := range paths {
			p := byPath[path]
			if p == nil {
				return nil, false, nil
			}
			typed = append(typed, p)
		}
	}
	if cfg.Mode != modeRemove {
		res.Diagnostics = append(res.Diagnostics, testFileDirectives(listed, cfg.Overlay)...)
	}
	c := openCache(cfg)
	imp := newExportImporter()
	parts := make([]runResult, len(typed))
	g := parallel()
	for i, p := range typed {
		g.Go(func() error { return packageRun(cfg, c, imp, p, &parts[i]) })
	}
	if err := g.Wait(); err == errWhole {
		return nil, false, nil
	} else if err != nil {
		return nil, false, err
	}
	for i := range typed {
		res.merge(&parts[i])
	}
	if cfg.Setup && cfg.Mode != modeRemove && !res.HasKind(Error) && len(res.Changes) > 0 {
		res.Diagnostics = append(res.Diagnostics, setupDiagnostics(cfg, res, listed)...)
	}
	if cfg.Verify && !res.HasKind(Error) && len(res.Changes) > 0 {
		if ok, err := verifyByPackage(cfg, imp, res, typed); err != nil || !ok {
			return nil, false, err
		}
	}
	if len(res.Changes) > 0 {
		var err error
		if res.journalDir, err = journalDir(cfg); err != nil {
			return nil, false, err
		}
	}
	res.sort()
	return res, true, nil
}

// exportsOfImports reports whether every import of p has export data.
func exportsOfImports(p *packages.Package) bool {
	for _, q := range p.Imports {
		if q.PkgPath != "unsafe" && q.ExportFile == "" {
			return false
		}
	}
	return true
}

// packageRun strips, type-checks and instruments p into part, or takes its
// result from the cache. It returns errWhole when one of p's annotated
// functions gets a context parameter.
func packageRun(cfg config, c *resultCache, imp *exportImporter, p *packages.Package, part *runResult) error {
	key, src := c.key(cfg, p)
	if c.get(key, src, part) {
		return nil
	}
	if src == nil {
		// Each file is read once, for every stage below.
		src = map[string][]byte{}
		for k, v := range cfg.Overlay {
			src[k] = v
		}
		for _, name := range p.CompiledGoFiles {
			if _, ok := src[name]; !ok {
				if b, err := os.ReadFile(name); err == nil {
					src[name] = b // else parsing reports it
				}
			}
		}
	}
	// Made from the very bytes the key hashes, if cached.
	cfg.Overlay = src
	// The current files are stripped from their syntax (partial.go);
	// only the stripped package is type-checked, which for files without
	// injected code is the current one.
	cur := imp.parse(p, cfg.Overlay, nil)
	defer imp.forget(cur)
	if len(cur.Errors) == 0 && needsTypesToStrip(cur, cfg.Overlay) {
		imp.check(cur)
	}
	if len(cur.Errors) > 0 {
		part.Diagnostics = packageErrors(cur)
		return nil
	}
	pr, err := stripPackage(cfg, cur, part)
	if err != nil {
		return err
	}
	if pr != nil {
		cur.TypesInfo = nil // served stripping, if it was needed
		overlay := map[string][]byte{}
		for k, v := range cfg.Overlay {
			overlay[k] = v
		}
		for k, v := range pr.strippedSrc {
			overlay[k] = v
		}
		// Files without injected code keep their syntax (cur parsed
		// without errors: one file for each name).
		same := map[string]*ast.File{}
		for i, name := range cur.CompiledGoFiles {
			if _, ok := pr.strippedSrc[name]; !ok && i < len(cur.Syntax) {
				same[name] = cur.Syntax[i]
			}
		}
		stripped := imp.parse(p, overlay, same)
		defer imp.forget(stripped)
		// Instrumenting reads the types of the files with directives
		// or injected code; the others compiled as they are.
		withDirectives := map[string]bool{}
		for _, fr := range pr.files {
			if _, ok := pr.strippedSrc[fr.name]; ok || len(pr.curTargets[fr.name]) > 0 {
				withDirectives[filepath.Clean(fr.name)] = true
			}
		}
		imp.checkBodiesOf(stripped, func(name string) bool { return withDirectives[filepath.Clean(name)] })
		// The stripped signatures have the current parameter types.
		if ctxlessStripped(pr, stripped) {
			return errWhole
		}
		if len(stripped.Errors) > 0 {
			if len(pr.strippedSrc) == 0 {
				part.Diagnostics = packageErrors(stripped)
			} else {
				part.Diagnostics = append(part.Diagnostics, pr.toCurrent(packageErrors(stripped))...)
			}
			return nil
		}
		if err := instrumentPackage(pr, stripped, part, nil); err != nil {
			return err
		}
	}
	c.put(key, part)
	return nil
}

// verifyByPackage type-checks each changed package with its new contents
// against its imports' export data, as verify does for the whole run:
// without context parameters to add, no package's API changes, so the
// packages that import a changed one build as they did. It returns false
// when an import of the new contents has no export data.
func verifyByPackage(cfg config, imp *exportImporter, res *runResult, typed []*packages.Package) (bool, error) {
	overlay := map[string][]byte{}
	for k, v := range cfg.Overlay {
		overlay[k] = v
	}
	for _, c := range res.Changes {
		overlay[c.Path] = c.New
	}
	var changed []*packages.Package
	added := map[string]bool{} // imports the new contents add
	for _, p := range typed {
		mine := false
		for _, c := range res.Changes {
			mine = mine || slices.Contains(p.CompiledGoFiles, c.Path)
		}
		if !mine {
			continue
		}
		changed = append(changed, p)
		for _, name := range p.CompiledGoFiles {
			src, ok := overlay[name]
			if !ok {
				continue // unchanged: its imports are p's
			}
			f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
			if err != nil {
				continue // the type check reports it
			}
			for _, is := range f.Imports {
				path := strings.Trim(is.Path.Value, `"`)
				if _, ok := p.Imports[path]; !ok && path != "unsafe" {
					added[path] = true
				}
			}
		}
	}
	extra := map[string]*packages.Package{}
	if len(added) > 0 {
		var paths []string
		for path := range added {
			paths = append(paths, path)
		}
		sort.Strings(paths)
		lc := &packages.Config{Mode: packages.NeedName | packages.NeedExportFile, Dir: cfg.Dir, Env: cfg.Env}
		loaded, err := packages.Load(lc, paths...)
		if err != nil {
			return false, err
		}
		for _, q := range loaded {
			if q.ExportFile == "" || len(q.Errors) > 0 {
				return false, nil
			}
			extra[q.PkgPath] = q
		}
	}
	rewritten := map[string]bool{}
	for _, c := range res.Changes {
		rewritten[filepath.Clean(c.Path)] = true
	}
	diags := make([][]Diagnostic, len(changed))
	g := parallel()
	for i := range changed {
		g.Go(func() error {
			verifyPackage(imp, changed[i], extra, overlay, rewritten, &diags[i])
			return nil
		})
	}
	g.Wait()
	for _, ds := range diags {
		res.Diagnostics = append(res.Diagnostics, ds...)
	}
	return true, nil
}

// verifyPackage type-checks p with the contents of overlay, the imports
// the new contents add coming from extra, into diags. Only the files in
// rewritten have new contents: the function bodies of the others, which
// type-checked before (the listing compiled them) and which nothing the
// rewrite changes can reach (no declaration's type changes, and an import
// is a file's own), are left out of the check, their declarations kept.
func verifyPackage(imp *exportImporter, changed *packages.Package, extra map[string]*packages.Package, overlay map[string][]byte, rewritten map[string]bool, diags *[]Diagnostic) {
	p := *changed
	p.Imports = map[string]*packages.Package{}
	for k, v := range changed.Imports {
		p.Imports[k] = v
	}
	for path, q := range extra {
		if _, ok := p.Imports[path]; !ok {
			p.Imports[path] = q
		}
	}
	out := imp.parse(&p, overlay, nil)
	defer imp.forget(out)
	imp.checkBodiesOf(out, func(name string) bool { return rewritten[filepath.Clean(name)] })
	for _, d := range packageErrors(out) {
		d.Msg = "rewritten code does not type-check (nothing written; please report this): " + d.Msg
		*diags = append(*diags, d)
	}
}

// checkBodiesOf type-checks p, a package from parse whose files all
// type-checked before except those for which keep is true, with the
// function bodies of the others left out: their bodies still type-check,
// since nothing that reaches them changed (no declaration's type, and an
// import is a file's own). An import that only a left-out body used is
// not reported. Any other error in a file left out means the premise does
// not hold, and p is checked again whole.
func (ei *exportImporter) checkBodiesOf(p *packages.Package, keep func(name string) bool) {
	whole := p.Syntax
	lean := make([]*ast.File, len(whole))
	left := map[string]bool{}
	for i, f := range whole {
		name := ei.fset.File(f.Pos()).Name()
		if keep(name) {
			lean[i] = f
			continue
		}
		lean[i] = withoutBodies(f)
		left[filepath.Clean(name)] = true
	}
	before := p.Errors
	p.Syntax = lean
	ei.check(p)
	p.Syntax = whole // the same nodes, but the left-out functions'
	errs := slices.Clone(before)
	for _, e := range p.Errors[len(before):] {
		if left[filepath.Clean(parsePos(e.Pos).Filename)] {
			if unusedImport(e.Msg) {
				continue // used in a body left out
			}
			p.Errors = before
			ei.check(p)
			return
		}
		errs = append(errs, e)
	}
	p.Errors = errs
	p.IllTyped = len(errs) > 0
}

// withoutBodies returns f with the bodies of its functions left out, but
// those of generic functions and of init, which must have one.
func withoutBodies(f *ast.File) *ast.File {
	out := *f
	out.Decls = slices.Clone(f.Decls)
	for i, d := range out.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil || fd.Type.TypeParams != nil || (fd.Recv == nil && fd.Name.Name == "init") {
			continue
		}
		bodiless := *fd
		bodiless.Body = nil
		out.Decls[i] = &bodiless
	}
	return &out
}

// unusedImport reports whether msg is go/types' error for an unused
// import ("fmt" imported and not used, "fmt" imported as f and not used).
func unusedImport(msg string) bool {
	return strings.HasPrefix(msg, `"`) && strings.HasSuffix(msg, " and not used") &&
		(strings.Contains(msg, `" imported and not used`) || strings.Contains(msg, `" imported as `))
}

// exportImporter reads the export data of the imports of the packages a
// run type-checks, once each, into types that every check shares (read-only
// once read, as go/packages shares them).
type exportImporter struct {
	fset *token.FileSet // every package's, and the imports'

	mu   sync.Mutex
	view map[string]*types.Package // by path: gcexportdata's packages
	read map[string]bool           // paths whose own export data was read
}

func newExportImporter() *exportImporter {
	return &exportImporter{fset: token.NewFileSet(), view: map[string]*types.Package{}, read: map[string]bool{}}
}

// load returns the types of q from its export data.
func (ei *exportImporter) load(q *packages.Package) (*types.Package, error) {
	ei.mu.Lock()
	defer ei.mu.Unlock()
	if ei.read[q.PkgPath] {
		return ei.view[q.PkgPath], nil
	}
	f, err := os.Open(q.ExportFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := gcexportdata.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %v", q.ExportFile, err)
	}
	t, err := gcexportdata.Read(r, ei.fset, ei.view, q.PkgPath)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %v", q.ExportFile, err)
	}
	ei.read[q.PkgPath] = true
	return t, nil
}

// needsTypesToStrip reports whether a file of p with injected code needs
// types to tell which identifiers name its imports (see resolvesBySyntax).
func needsTypesToStrip(p *packages.Package, overlay map[string][]byte) bool {
	for f, name := range goFiles(p) {
		src, err := readFile(name, overlay)
		if err != nil {
			return true
		}
		if (bytes.Contains(src, []byte(beginPrefix)) || bytes.Contains(src, []byte(endMarker))) && !resolvesBySyntax(p, f) {
			return true
		}
	}
	return false
}

// ctxlessStripped reports whether an annotated top-level function of pr
// has neither a context.Context nor a *gin.Context parameter, by the
// types of sp, pr's stripped package: it gets a context parameter, which
// takes the whole run.
func ctxlessStripped(pr *pkgState, sp *packages.Package) bool {
	in := &instrumenter{pkg: sp}
	files := map[string]*fileState{}
	for _, fr := range pr.files {
		files[fr.name] = fr
	}
	for f, name := range goFiles(sp) {
		fr := files[name]
		if fr == nil {
			continue
		}
		for _, t := range fr.targets(sp.Fset, f) {
			if t.dir.Kind == kindSpan && t.decl != nil {
				if s, _ := in.shapeOf(t.decl.Type); s == shapeNone {
					return true
				}
			}
		}
	}
	return false
}

// typeCheck parses and type-checks p (see parse and check).
func (ei *exportImporter) typeCheck(p *packages.Package, overlay map[string][]byte, same map[string]*ast.File) *packages.Package {
	out := ei.parse(p, overlay, same)
	ei.check(out)
	return out
}

// parse parses p's files (their contents from overlay, else from disk;
// the syntax of those in same is reused) into a package as go/packages
// would have loaded it, without types. Nothing of it is shared with other
// packages: its syntax goes when it goes.
func (ei *exportImporter) parse(p *packages.Package, overlay map[string][]byte, same map[string]*ast.File) *packages.Package {
	out := &packages.Package{
		ID: p.ID, Name: p.Name, PkgPath: p.PkgPath, Module: p.Module,
		GoFiles: p.GoFiles, CompiledGoFiles: p.CompiledGoFiles, OtherFiles: p.OtherFiles,
		Imports: p.Imports, Fset: ei.fset, TypesSizes: p.TypesSizes,
	}
	for _, name := range p.CompiledGoFiles {
		if f := same[name]; f != nil {
			out.Syntax = append(out.Syntax, f)
			continue
		}
		// Nothing reads go/ast's objects (types do that job), and
		// dst would decorate every object a file declares.
		f, errs := parseFile(out.Fset, name, overlay, parser.AllErrors|parser.ParseComments|parser.SkipObjectResolution)
		if f != nil {
			out.Syntax = append(out.Syntax, f)
		}
		out.Errors = append(out.Errors, errs...)
	}
	return out
}

// forget removes the files of p, a package from parse, from the shared
// file set once nothing needs their positions (diagnostics hold resolved
// ones), so that their line tables go with their syntax: the set would
// otherwise keep one for every file of the run.
func (ei *exportImporter) forget(p *packages.Package) {
	for _, f := range p.Syntax {
		if tf := ei.fset.File(f.Pos()); tf != nil {
			ei.fset.RemoveFile(tf)
		}
	}
}

// check type-checks out, a package from parse, against the export data of
// its imports; its types go when it goes.
func (ei *exportImporter) check(out *packages.Package) {
	importer := importerFunc(func(path string) (*types.Package, error) {
		if path == "unsafe" {
			return types.Unsafe, nil
		}
		q := out.Imports[path]
		if q == nil || q.ExportFile == "" {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		return ei.load(q)
	})
	out.Types = types.NewPackage(out.PkgPath, out.Name)
	out.TypesInfo = newTypesInfo()
	tc := typesConfig(importer, out.TypesSizes, moduleGoVersion(out.Module), &out.Errors)
	types.NewChecker(tc, out.Fset, out.Types, out.TypesInfo).Files(out.Syntax)
	out.IllTyped = len(out.Errors) > 0
}
