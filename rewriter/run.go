package rewriter

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/token"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"golang.org/x/tools/go/packages"
)

// runPipeline computes what traceinject would change; it writes nothing (see
// runResult.Write). The returned error is for failures of the tool itself (go
// list could not run); problems in user code are diagnostics.
//
// The stages run in this order (README.md, "Architecture"): load; strip
// the injected code and find the directives; type-check the stripped
// packages, or, when a function gets a context parameter, load every
// package that could call it and plan across callers; plan each function
// and render it; verify.
func runPipeline(cfg config) (*runResult, error) {
	cfg.Patterns = packagePatterns(cfg)
	// Load: list, then one package at a time when no package needs
	// another's plan (stream.go), else every package in one typed load.
	listed, paths, diags, err := list(cfg, cfg.Overlay)
	if err != nil {
		return nil, err
	}
	if res, ok, err := runByPackage(cfg, listed, paths, diags); err != nil || ok {
		return res, err
	}
	var pkgs []*packages.Package
	if len(paths) > 0 {
		if pkgs, err = loadTyped(cfg, cfg.Overlay, paths); err != nil {
			return nil, err
		}
	}
	res := &runResult{}
	res.Diagnostics = append(res.Diagnostics, diags...)
	res.roots = moduleRoots(listed)
	if cfg.policy() {
		if pkgs = applyPolicy(cfg, pkgs, res); cfg.Annotate {
			res.sort()
			return res, nil
		}
	}
	if cfg.Mode != modeRemove {
		res.Diagnostics = append(res.Diagnostics, testFileDirectives(listed, cfg.Overlay)...)
	}

	// Strip, and find the directives of the current files.
	runs, err := stripPackages(cfg, pkgs, res)
	if err != nil {
		return nil, err
	}

	// Type-check the stripped packages, or plan across callers. The
	// first load's import graph gives the unchanged dependencies' types
	// to the in-memory checks.
	overlay := maps.Clone(cfg.Overlay)
	if overlay == nil {
		overlay = map[string][]byte{}
	}
	for _, pr := range runs {
		maps.Copy(overlay, pr.strippedSrc)
	}
	tg := newTypeGraph(cfg, pkgs)
	var ap *addctxPlan
	var tests []*packages.Package
	if cfg.Mode == modeInstrument && anyCtxless(runs) {
		// A function gets a context parameter: its callers must be
		// edited too, so every package that could call it is loaded,
		// with the instrumented ones, from source in one load.
		runs, ap, tests, err = planAcrossCallers(cfg, tg, runs, listed, overlay, res)
		if err != nil {
			return nil, err
		}
		if res.HasKind(Error) {
			res.sort()
			return res, nil
		}
	} else if err := typeCheckStrippedPackages(cfg, tg, runs, overlay); err != nil {
		return nil, err
	}

	// Plan each function and render it.
	if err := instrumentPackages(runs, ap, res); err != nil {
		return nil, err
	}
	for _, tv := range tests {
		if err := passContextsInTests(tv, res, ap, cfg.Overlay); err != nil {
			return nil, err
		}
	}

	// Verify.
	if cfg.Setup && cfg.Mode != modeRemove && !res.HasKind(Error) && len(res.Changes) > 0 {
		res.Diagnostics = append(res.Diagnostics, setupDiagnostics(cfg, res, listed)...)
	}
	if cfg.Verify && !res.HasKind(Error) && len(res.Changes) > 0 {
		if err := verify(cfg, res, tg, listed); err != nil {
			return nil, err
		}
	}
	if len(res.Changes) > 0 {
		if res.journalDir, err = journalDir(cfg); err != nil {
			return nil, err
		}
	}
	res.sort()
	return res, nil
}

// stripPackages strips the injected code of every package (in Remove
// mode, that is the result) and reads the directives of the current files,
// in parallel, each package into its own result, merged in package order.
// It returns the packages left to instrument.
func stripPackages(cfg config, pkgs []*packages.Package, res *runResult) ([]*pkgState, error) {
	parts := make([]runResult, len(pkgs))
	prs := make([]*pkgState, len(pkgs))
	g := parallel()
	for i, p := range pkgs {
		g.Go(func() (err error) {
			if len(p.Errors) > 0 {
				parts[i].Diagnostics = packageErrors(p)
			} else {
				prs[i], err = stripPackage(cfg, p, &parts[i])
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var runs []*pkgState
	for i := range pkgs {
		res.merge(&parts[i])
		if prs[i] != nil {
			runs = append(runs, prs[i])
		}
	}
	return runs, nil
}

// typeCheckStrippedPackages type-checks every package whose files had
// injected code again, all together, from the stripped contents (in
// overlay), and gives each its stripped package.
func typeCheckStrippedPackages(cfg config, tg *typeGraph, runs []*pkgState, overlay map[string][]byte) error {
	var reload []string
	for _, pr := range runs {
		if len(pr.strippedSrc) > 0 {
			reload = append(reload, pr.p.PkgPath)
		}
	}
	if len(reload) == 0 {
		return nil
	}
	// The current files' type information has served (stripping); the
	// stripped packages get their own, so it can go before.
	for _, pr := range runs {
		if len(pr.strippedSrc) > 0 {
			pr.p.TypesInfo = nil
		}
	}
	var cps []*packages.Package
	var err error
	if tg.holds(reload) {
		cps, err = tg.typeCheck(reload, overlay)
	} else {
		cps, err = loadTyped(cfg, overlay, reload)
	}
	if err != nil {
		return err
	}
	byPath := map[string]*packages.Package{}
	for _, cp := range cps {
		byPath[cp.PkgPath] = cp
	}
	for _, pr := range runs {
		if len(pr.strippedSrc) > 0 {
			if pr.strippedPkg = byPath[pr.p.PkgPath]; pr.strippedPkg == nil {
				return fmt.Errorf("%s: package missing after stripping", pr.p.PkgPath)
			}
		}
	}
	return nil
}

// instrumentPackages plans and renders every annotated function of runs,
// in parallel, each package into its own result, merged in package order.
func instrumentPackages(runs []*pkgState, ap *addctxPlan, res *runResult) error {
	parts := make([]runResult, len(runs))
	g := parallel()
	for i, pr := range runs {
		g.Go(func() error {
			cp := pr.p
			if pr.strippedPkg != nil {
				cp = pr.strippedPkg
			}
			if len(cp.Errors) > 0 {
				parts[i].Diagnostics = pr.toCurrent(packageErrors(cp))
				return nil
			}
			return instrumentPackage(pr, cp, &parts[i], ap)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i := range runs {
		res.merge(&parts[i])
	}
	return nil
}

// moduleRoots returns the directories of the main modules of the listed
// packages.
func moduleRoots(listed []*packages.Package) []string {
	var roots []string
	for _, p := range listed {
		if p.Module != nil && p.Module.Main && p.Module.Dir != "" && !slices.Contains(roots, p.Module.Dir) {
			roots = append(roots, p.Module.Dir)
		}
	}
	return roots
}

// merge appends the changes and diagnostics of part to r.
func (r *runResult) merge(part *runResult) {
	r.Changes = append(r.Changes, part.Changes...)
	r.Diagnostics = append(r.Diagnostics, part.Diagnostics...)
}

// planAcrossCallers loads, in one typed load from the stripped sources, the packages
// of runs and every listed package that could call their functions, plans
// the context parameters and call-site arguments, and returns the runs to
// finish (callers without directives included) and the test variants whose
// test files call the functions.
func planAcrossCallers(cfg config, tg *typeGraph, runs []*pkgState, listed []*packages.Package, overlay map[string][]byte, res *runResult) ([]*pkgState, *addctxPlan, []*packages.Package, error) {
	// Exported functions may be called from any listed package that
	// depends on theirs; the packages with directives are finished from
	// this load too.
	var from []string
	have := map[string]*pkgState{}
	for _, pr := range runs {
		have[pr.p.PkgPath] = pr
		if exportsCtxless(pr) {
			from = append(from, pr.p.PkgPath)
		}
	}
	paths := callerPaths(listed, from)
	for path := range have {
		if !slices.Contains(paths, path) {
			paths = append(paths, path)
		}
	}
	sort.Strings(paths)
	// The test listing only needs go list: it runs while the packages are
	// type-checked.
	patterns := cfg.Patterns
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	var (
		wg        sync.WaitGroup
		withTests []*packages.Package
		listErr   error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		withTests, listErr = listTests(cfg, patterns, len(from) > 0)
	}()
	// The first load serves when it already holds every package needed,
	// none with injected code: it is one load, as planning requires.
	reuse := true
	for _, path := range paths {
		pr := have[path]
		reuse = reuse && pr != nil && len(pr.strippedSrc) == 0
	}
	stripped := false
	for _, pr := range runs {
		stripped = stripped || len(pr.strippedSrc) > 0
	}
	var cps []*packages.Package
	var err error
	switch {
	case reuse:
		for _, path := range paths {
			cps = append(cps, have[path].p)
		}
	case stripped && tg.adopt(listed, paths, overlay):
		// In memory: a load with the stripped files as an overlay
		// would check every dependency from source.
		cps, err = tg.typeCheck(paths, overlay)
	default:
		cps, err = loadTyped(cfg, overlay, paths)
	}
	wg.Wait()
	for _, e := range []error{err, listErr} {
		if e != nil {
			return nil, nil, nil, e
		}
	}
	testPaths := testCallerPaths(withTests, listed, paths)
	var importers map[string][]string
	if len(from) > 0 {
		importers = moduleImporters(withTests)
	}
	strippedPkgs := map[string]*packages.Package{}
	var out []*pkgState
	for _, cp := range cps {
		if len(cp.Errors) > 0 {
			ds := packageErrors(cp)
			if pr := have[cp.PkgPath]; pr != nil {
				ds = pr.toCurrent(ds)
			}
			res.Diagnostics = append(res.Diagnostics, ds...)
			continue
		}
		strippedPkgs[cp.PkgPath] = cp
		pr := have[cp.PkgPath]
		if pr == nil {
			if pr, err = callerState(cp, cfg.Overlay); err != nil {
				return nil, nil, nil, err
			}
		}
		pr.strippedPkg = cp
		out = append(out, pr)
	}
	if res.HasKind(Error) {
		return nil, nil, nil, nil
	}
	tests, err := testVariants(cfg, overlay, testPaths)
	if err != nil {
		return nil, nil, nil, err
	}
	ap, diags, err := planAddctx(addctxInput{cfg: cfg, runs: out, stripped: strippedPkgs, tests: tests, listed: listed, importers: importers})
	if err != nil {
		return nil, nil, nil, err
	}
	res.Diagnostics = append(res.Diagnostics, diags...)
	return out, ap, tests, nil
}

// callerState is the state of a package without directives that may call a function
// that gets a context parameter.
func callerState(cp *packages.Package, overlay map[string][]byte) (*pkgState, error) {
	pr := &pkgState{p: cp, curTargets: map[string][]*target{}}
	for _, nf := range goFilesSorted(cp) {
		if ast.IsGenerated(nf.f) {
			continue
		}
		src, err := readFile(nf.name, overlay)
		if err != nil {
			return nil, err
		}
		pr.files = append(pr.files, &fileState{name: nf.name, current: src, curAST: nf.f, curFile: cp.Fset.File(nf.f.Pos()), stripped: src})
	}
	return pr, nil
}

// verify type-checks the changed packages with their new contents, all
// together, so that packages that import each other are checked against
// each other's new source; with their tests when a test file changed.
// Every other listed package of the main modules is checked too: a
// package of the patterns that does not build (a syntax, import or type
// error, with or without directives) stops the write.
//
// When every package to check can be checked in memory against the first
// load's types (see typeGraph) and no test file changed, it is; otherwise
// go/packages loads them with an overlay.
func verify(cfg config, res *runResult, tg *typeGraph, listed []*packages.Package) error {
	overlay := map[string][]byte{}
	for k, v := range cfg.Overlay {
		overlay[k] = v
	}
	changedFile := map[string]bool{}
	tests := false
	for _, c := range res.Changes {
		overlay[c.Path] = c.New
		changedFile[filepath.Clean(c.Path)] = true
		tests = tests || strings.HasSuffix(c.Path, "_test.go")
	}
	var others []string
	for _, p := range listed {
		if p.Module != nil && p.Module.Main && !slices.Contains(others, p.PkgPath) {
			others = append(others, p.PkgPath)
		}
	}
	var checked []*packages.Package
	var err error
	paths, ok := tg.packagesOf(res.Changes)
	for _, path := range others {
		if !slices.Contains(paths, path) {
			paths = append(paths, path)
		}
	}
	sort.Strings(paths)
	if ok && !tests && tg.adopt(listed, paths, overlay) {
		checked, err = tg.typeCheck(paths, overlay)
	} else {
		patterns := paths
		for c := range changedFile {
			if d := filepath.Dir(c); !slices.Contains(patterns, d) {
				patterns = append(patterns, d)
			}
		}
		tc := &packages.Config{Mode: typedMode, Dir: cfg.Dir, Env: cfg.Env, Overlay: overlay, Fset: token.NewFileSet(), Tests: tests}
		checked, err = packages.Load(tc, patterns...)
	}
	if err != nil {
		return err
	}
	rewritten := func(p *packages.Package) bool {
		for _, names := range [][]string{p.GoFiles, p.CompiledGoFiles} {
			for _, name := range names {
				if changedFile[filepath.Clean(name)] {
					return true
				}
			}
		}
		return false
	}
	var broken []string
	for _, p := range checked {
		if len(p.Errors) > 0 && !rewritten(p) && !slices.Contains(broken, p.PkgPath) {
			broken = append(broken, p.PkgPath)
		}
	}
	// go list says best what is wrong with an import.
	listErrs := map[string][]Diagnostic{}
	for _, p := range listed {
		le := packageErrors(p)
		for _, q := range p.Imports {
			if len(q.GoFiles) == 0 {
				le = append(le, packageErrors(q)...) // a missing import
			}
		}
		listErrs[p.PkgPath] = le
	}
	seen := map[string]bool{}
	for _, p := range checked {
		diags := packageErrors(p)
		if le := listErrs[p.PkgPath]; len(le) > 0 && len(diags) > 0 {
			diags = le
		}
		for _, d := range diags {
			// A rewritten package that does not type-check while
			// the others do is the tool's fault.
			if len(broken) == 0 && rewritten(p) {
				d.Msg = "rewritten code does not type-check (nothing written; please report this): " + d.Msg
			}
			if !seen[d.String()] {
				seen[d.String()] = true
				res.Diagnostics = append(res.Diagnostics, d)
			}
		}
	}
	if len(broken) > 0 {
		sort.Strings(broken)
		res.Diagnostics = append(res.Diagnostics, Diagnostic{Kind: Error,
			Msg: fmt.Sprintf("traceinject: nothing written: %s in the patterns do not build (fix them, or leave them out of the patterns)", strings.Join(broken, ", "))})
	}
	return nil
}

// fileState is one file of a package as it goes through the pipeline.
type fileState struct {
	name     string
	current  []byte
	curAST   *ast.File
	curFile  *token.File // of curAST
	stripped []byte      // current with the injected code stripped
	// toStrip maps offsets in current to offsets in stripped and back
	// (nil: the same): every position in the stripped file that the user
	// is told about, or that is compared with the current file, goes
	// through it, never through the order of items in the two files.
	toStrip *posMap
	// The directives of the current file (what the user sees), and those
	// of the stripped file, found once.
	curTargets      []*target
	strippedAST     *ast.File
	strippedTargets []*target
}

// targets returns the targets of cf, the syntax of fr's stripped content.
func (fr *fileState) targets(fset *token.FileSet, cf *ast.File) []*target {
	if fr.strippedAST != cf {
		fr.strippedAST = cf
		fr.strippedTargets, _ = discover(fset, cf, fr.stripped)
	}
	return fr.strippedTargets
}

// mayHaveTargets reports whether fr's stripped file may hold directives:
// the current file does, or stripping changed it.
func (fr *fileState) mayHaveTargets() bool { return len(fr.curTargets) > 0 || fr.toStrip != nil }

// position returns the position in the current file of the offset off in
// the stripped content.
func (fr *fileState) position(off int) token.Position {
	off = min(max(fr.toStrip.back(off), 0), fr.curFile.Size())
	return fr.curFile.Position(fr.curFile.Pos(off))
}

// positionOf returns the position in the current file of p, a position in
// the stripped file's syntax (in fset).
func (fr *fileState) positionOf(fset *token.FileSet, p token.Pos) token.Position {
	return fr.position(fset.File(p).Offset(p))
}

// currentTarget returns the target of the current file whose directive is
// t's, a target of the stripped file (in fset); nil when no directive of
// the current file applies there (it is misplaced in the current file,
// e.g. above an injected block).
func (fr *fileState) currentTarget(fset *token.FileSet, t *target) *target {
	off := fr.toStrip.back(fset.File(t.comment.Slash).Offset(t.comment.Slash))
	for _, ct := range fr.curTargets {
		if fr.curFile.Offset(ct.comment.Slash) == off {
			return ct
		}
	}
	return nil
}

// pkgState is one package between stripping and instrumenting.
type pkgState struct {
	p           *packages.Package
	files       []*fileState
	strippedSrc map[string][]byte // file name -> stripped content, where it differs
	curTargets  map[string][]*target
	strippedPkg *packages.Package // the stripped package, when already loaded
}

// stripPackage strips the injected code of p's files in memory and reads
// the directives of the current files. It returns nil when there is
// nothing more to do for p (Remove mode, or errors).
func stripPackage(cfg config, p *packages.Package, res *runResult) (*pkgState, error) {
	names := goFiles(p)
	if cfg.Mode != modeRemove {
		res.Diagnostics = append(res.Diagnostics, cgoFileDirectives(p, names, cfg.Overlay)...)
	}
	var files []*fileState
	strippedSrc := map[string][]byte{}
	for _, f := range p.Syntax {
		name, ok := names[f]
		if !ok || ast.IsGenerated(f) {
			continue
		}
		src, err := readFile(name, cfg.Overlay)
		if err != nil {
			return nil, err
		}
		fr := &fileState{name: name, current: src, curAST: f, curFile: p.Fset.File(f.Pos()), stripped: src}
		files = append(files, fr)
		if !bytes.Contains(src, []byte(beginPrefix)) && !bytes.Contains(src, []byte(endMarker)) {
			continue
		}
		out, back, pos, err := stripFile(p, f, src)
		if err != nil {
			res.Diagnostics = append(res.Diagnostics, errorf(p.Fset.Position(pos), "cannot remove injected code: %v", err))
			continue
		}
		if !bytes.Equal(out, src) {
			fr.stripped, fr.toStrip = out, back
			strippedSrc[name] = out
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })

	if cfg.Mode == modeRemove {
		for _, fr := range files {
			if !bytes.Equal(fr.stripped, fr.current) {
				res.Changes = append(res.Changes, FileChange{Path: fr.name, Old: fr.current, New: fr.stripped})
			}
		}
		return nil, nil
	}

	// Directives are read from the current files, so that every position
	// reported points into what the user sees.
	curTargets := map[string][]*target{}
	bad := false
	for _, fr := range files {
		ts, diags := discover(p.Fset, fr.curAST, fr.current)
		curTargets[fr.name], fr.curTargets = ts, ts
		res.Diagnostics = append(res.Diagnostics, diags...)
		for _, d := range diags {
			bad = bad || d.Kind == Error
		}
	}
	if bad {
		return nil, nil
	}
	return &pkgState{p: p, files: files, strippedSrc: strippedSrc, curTargets: curTargets}, nil
}

// instrumentPackage instruments the stripped package cp and records the
// changes against the current files of pr.
func instrumentPackage(pr *pkgState, cp *packages.Package, res *runResult, ap *addctxPlan) error {
	strippedAST := map[string]*ast.File{}
	for f, name := range goFiles(cp) {
		strippedAST[name] = f
	}
	in := &instrumenter{pkg: cp, ap: ap}
	for _, fr := range pr.files {
		cf := strippedAST[fr.name]
		if cf == nil {
			return fmt.Errorf("%s: file missing after reload", fr.name)
		}
		desired, m, diags := in.instrumentFile(cf, fr)
		res.Diagnostics = append(res.Diagnostics, diags...)
		if desired == nil || bytes.Equal(desired, fr.current) {
			continue
		}
		res.Changes = append(res.Changes, FileChange{Path: fr.name, Old: fr.current, New: desired})
		res.Diagnostics = append(res.Diagnostics, staleness(cp.Fset, fr, cf, desired, m, ap)...)
	}
	return nil
}

// passContextsInTests passes contexts in the test files of the test
// variant tv.
func passContextsInTests(tv *packages.Package, res *runResult, ap *addctxPlan, overlay map[string][]byte) error {
	in := &instrumenter{pkg: tv, ap: ap}
	for _, nf := range goFilesSorted(tv) {
		if !strings.HasSuffix(nf.name, "_test.go") || !ap.fileHasArgs(nf.f) {
			continue
		}
		src, err := readFile(nf.name, overlay)
		if err != nil {
			return err
		}
		out, _, err := in.apply(nf.f, src, nil)
		if err != nil {
			return fmt.Errorf("%s: %v", nf.name, err)
		}
		if !bytes.Equal(out, src) {
			res.Changes = append(res.Changes, FileChange{Path: nf.name, Old: src, New: out})
		}
	}
	return nil
}

// staleness explains, per annotated function, why the current file differs
// from the desired one. The functions are the targets of cf, fr's stripped
// file (in fset); m maps offsets in the stripped content to offsets in
// desired, so each function's desired text is read where the map puts it,
// and its current text through fr's map, without parsing desired again.
func staleness(fset *token.FileSet, fr *fileState, cf *ast.File, desired []byte, m *posMap, ap *addctxPlan) []Diagnostic {
	var diags []Diagnostic
	for _, st := range fr.targets(fset, cf) {
		if st.dir.Kind != kindSpan {
			continue
		}
		if _, ok := ap.addedFor(st.decl); ok {
			continue // reported by planAddctx
		}
		t := fr.currentTarget(fset, st)
		if t == nil {
			continue
		}
		n := st.node()
		from, to := m.forward(fset.File(n.Pos()).Offset(n.Pos()), false), m.forward(fset.File(n.End()).Offset(n.End()), true)
		got := fr.current[fr.curFile.Offset(t.node().Pos()):fr.curFile.Offset(t.node().End())]
		if 0 <= from && from <= to && to <= len(desired) && bytes.Equal(got, desired[from:to]) {
			continue
		}
		msg := "instrumentation is stale"
		if !hasBeginMarker(fr.curAST, t.body()) {
			msg = "not instrumented"
		} else if ap != nil && containsCall(fr.curFile, t.node(), ap.callPos[fr.name]) {
			// The body changes for the calls it makes, each reported.
			continue
		}
		diags = append(diags, Diagnostic{fr.curFile.Position(t.comment.Pos()), Stale, fmt.Sprintf("%s: %s (run traceinject)", funcName(t), msg)})
	}
	if len(diags) == 0 && (ap == nil || !ap.files[fr.name]) {
		line := firstDiffLine(fr.current, desired)
		diags = append(diags, Diagnostic{token.Position{Filename: fr.name, Line: line, Column: 1}, Stale, "injected code without a //trace:span directive, or stale imports (run traceinject)"})
	}
	return diags
}

// containsCall reports whether one of the positions lies in n.
func containsCall(tf *token.File, n ast.Node, calls []token.Position) bool {
	from, to := tf.Offset(n.Pos()), tf.Offset(n.End())
	for _, c := range calls {
		if from <= c.Offset && c.Offset < to {
			return true
		}
	}
	return false
}

func funcName(t *target) string {
	if t.decl != nil {
		return t.decl.Name.Name
	}
	return "function literal in " + t.outer.Name.Name
}

func firstDiffLine(a, b []byte) int {
	line := 1
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return line
		}
		if a[i] == '\n' {
			line++
		}
	}
	return line
}

// toCurrent moves diagnostics about the stripped files of pr to the
// matching positions in the current files, the ones the user sees.
func (pr *pkgState) toCurrent(diags []Diagnostic) []Diagnostic {
	for i, d := range diags {
		for _, fr := range pr.files {
			if fr.toStrip == nil || filepath.Clean(d.Pos.Filename) != filepath.Clean(fr.name) {
				continue
			}
			off, ok := lineColOffset(fr.stripped, d.Pos.Line, d.Pos.Column)
			if !ok {
				continue
			}
			diags[i].Pos = offsetPosition(fr.name, fr.current, fr.toStrip.back(off))
		}
	}
	return diags
}

func lineColOffset(src []byte, line, col int) (int, bool) {
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			return 0, false
		}
		off += i + 1
	}
	off += max(col, 1) - 1
	return off, off <= len(src)
}

func offsetPosition(name string, src []byte, off int) token.Position {
	off = min(max(off, 0), len(src))
	line := 1 + bytes.Count(src[:off], []byte("\n"))
	col := off - (bytes.LastIndexByte(src[:off], '\n') + 1) + 1
	return token.Position{Filename: name, Offset: off, Line: line, Column: col}
}
