package rewriter

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"

	"golang.org/x/tools/go/packages"
)

// Run computes what traceinject would change; it writes nothing (see
// Result.Write). The returned error is for failures of the tool itself (go
// list could not run); problems in user code are diagnostics.
func Run(cfg Config) (*Result, error) {
	res := &Result{}
	pkgs, diags, err := load(cfg, cfg.Overlay)
	if err != nil {
		return nil, err
	}
	res.Diagnostics = append(res.Diagnostics, diags...)
	var runs []*pkgRun
	for _, p := range pkgs {
		if len(p.Errors) > 0 {
			res.Diagnostics = append(res.Diagnostics, packageErrors(p)...)
			continue
		}
		pr, err := preparePackage(cfg, p, res)
		if err != nil {
			return nil, err
		}
		if pr != nil {
			runs = append(runs, pr)
		}
	}
	// Type-check every package whose files had injected code again, in
	// one load, from the stripped contents.
	overlay := map[string][]byte{}
	for k, v := range cfg.Overlay {
		overlay[k] = v
	}
	var reload []string
	for _, pr := range runs {
		for k, v := range pr.stripped {
			overlay[k] = v
		}
		if len(pr.stripped) > 0 {
			reload = append(reload, pr.p.PkgPath)
		}
	}
	clean := map[string]*packages.Package{}
	if len(reload) > 0 {
		cps, err := loadTyped(cfg, overlay, reload)
		if err != nil {
			return nil, err
		}
		for _, cp := range cps {
			clean[cp.PkgPath] = cp
		}
	}
	for _, pr := range runs {
		cp := pr.p
		if len(pr.stripped) > 0 {
			if cp = clean[pr.p.PkgPath]; cp == nil {
				return nil, fmt.Errorf("%s: package missing after stripping", pr.p.PkgPath)
			}
			if len(cp.Errors) > 0 {
				res.Diagnostics = append(res.Diagnostics, packageErrors(cp)...)
				continue
			}
		}
		if err := finishPackage(pr, cp, res); err != nil {
			return nil, err
		}
	}
	if cfg.Verify && !res.HasKind(Error) && len(res.Changes) > 0 {
		if err := verify(cfg, pkgs, res); err != nil {
			return nil, err
		}
	}
	res.sort()
	return res, nil
}

// verify type-checks the changed packages with their new contents.
func verify(cfg Config, pkgs []*packages.Package, res *Result) error {
	overlay := map[string][]byte{}
	for k, v := range cfg.Overlay {
		overlay[k] = v
	}
	changed := map[string]bool{}
	for _, c := range res.Changes {
		overlay[c.Path] = c.New
		changed[c.Path] = true
	}
	var paths []string
	for _, p := range pkgs {
		for _, f := range p.GoFiles {
			if changed[f] {
				paths = append(paths, p.PkgPath)
				break
			}
		}
	}
	checked, err := loadTyped(cfg, overlay, paths)
	if err != nil {
		return err
	}
	for _, p := range checked {
		for _, d := range packageErrors(p) {
			d.Msg = "rewritten code does not type-check (nothing written; please report this): " + d.Msg
			res.Diagnostics = append(res.Diagnostics, d)
		}
	}
	return nil
}

// fileRun is one file of a package as it goes through the pipeline.
type fileRun struct {
	name    string
	current []byte
	curAST  *ast.File
	clean   []byte // current with the injected code stripped
}

// pkgRun is one package between stripping and instrumenting.
type pkgRun struct {
	p          *packages.Package
	files      []*fileRun
	stripped   map[string][]byte // file name -> stripped content, where it differs
	curTargets map[string][]*target
}

// preparePackage strips the injected code of p's files in memory and reads
// the directives of the current files. It returns nil when there is
// nothing more to do for p (Remove mode, or errors).
func preparePackage(cfg Config, p *packages.Package, res *Result) (*pkgRun, error) {
	names := goFiles(p)
	var files []*fileRun
	stripped := map[string][]byte{}
	for _, f := range p.Syntax {
		name, ok := names[f]
		if !ok || isGenerated(f) {
			continue
		}
		src, err := readFile(name, cfg.Overlay)
		if err != nil {
			return nil, err
		}
		fr := &fileRun{name: name, current: src, curAST: f, clean: src}
		files = append(files, fr)
		if !bytes.Contains(src, []byte(beginPrefix)) {
			continue
		}
		clean, pos, err := stripFile(p, f)
		if err != nil {
			res.Diagnostics = append(res.Diagnostics, errorf(p.Fset.Position(pos), "cannot remove injected code: %v", err))
			continue
		}
		if !bytes.Equal(clean, src) {
			fr.clean = clean
			stripped[name] = clean
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })

	if cfg.Mode == Remove {
		for _, fr := range files {
			if !bytes.Equal(fr.clean, fr.current) {
				res.Changes = append(res.Changes, FileChange{Path: fr.name, Old: fr.current, New: fr.clean})
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
		curTargets[fr.name] = ts
		res.Diagnostics = append(res.Diagnostics, diags...)
		for _, d := range diags {
			bad = bad || d.Kind == Error
		}
	}
	if bad {
		return nil, nil
	}
	return &pkgRun{p: p, files: files, stripped: stripped, curTargets: curTargets}, nil
}

// finishPackage instruments the stripped package cp and records the
// changes against the current files of pr.
func finishPackage(pr *pkgRun, cp *packages.Package, res *Result) error {
	p, files, curTargets := pr.p, pr.files, pr.curTargets
	cleanAST := map[string]*ast.File{}
	for f, name := range goFiles(cp) {
		cleanAST[name] = f
	}
	in := newInstrumenter(cp)
	for _, fr := range files {
		cf := cleanAST[fr.name]
		if cf == nil {
			return fmt.Errorf("%s: file missing after reload", fr.name)
		}
		cleanTargets, _ := discover(cp.Fset, cf, fr.clean)
		cur := curTargets[fr.name]
		if len(cleanTargets) != len(cur) {
			return fmt.Errorf("%s: %d directives before stripping, %d after", fr.name, len(cur), len(cleanTargets))
		}
		desired, diags := in.file(cf, fr.clean, cleanTargets, cur, p.Fset)
		res.Diagnostics = append(res.Diagnostics, diags...)
		if desired == nil || bytes.Equal(desired, fr.current) {
			continue
		}
		res.Changes = append(res.Changes, FileChange{Path: fr.name, Old: fr.current, New: desired})
		res.Diagnostics = append(res.Diagnostics, staleness(p.Fset, fr, cur, desired)...)
	}
	return nil
}

// staleness explains, per annotated function, why the current file differs
// from the desired one.
func staleness(fset *token.FileSet, fr *fileRun, cur []*target, desired []byte) []Diagnostic {
	dfset := token.NewFileSet()
	df, err := parser.ParseFile(dfset, fr.name, desired, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return []Diagnostic{errorf(fset.Position(fr.curAST.Pos()), "internal error: rewritten file does not parse: %v", err)}
	}
	want, _ := discover(dfset, df, desired)
	var diags []Diagnostic
	text := func(fs *token.FileSet, src []byte, n ast.Node) []byte {
		return src[fs.Position(n.Pos()).Offset:fs.Position(n.End()).Offset]
	}
	for i, t := range cur {
		if t.dir.Kind != KindSpan || i >= len(want) {
			continue
		}
		got := text(fset, fr.current, t.node())
		if bytes.Equal(got, text(dfset, desired, want[i].node())) {
			continue
		}
		msg := "instrumentation is stale"
		if !hasBeginMarker(fr.curAST, t.body()) {
			msg = "not instrumented"
		}
		diags = append(diags, Diagnostic{fset.Position(t.comment.Pos()), Stale, fmt.Sprintf("%s: %s (run traceinject)", funcName(t), msg)})
	}
	if len(diags) == 0 {
		line := firstDiffLine(fr.current, desired)
		diags = append(diags, Diagnostic{token.Position{Filename: fr.name, Line: line, Column: 1}, Stale, "injected code without a //trace:span directive, or stale imports (run traceinject)"})
	}
	return diags
}

// hasBeginMarker reports whether body starts with a //trace:begin marker.
func hasBeginMarker(f *ast.File, body *ast.BlockStmt) bool {
	if body == nil {
		return false
	}
	end := body.Rbrace
	if len(body.List) > 0 {
		end = body.List[0].Pos()
	}
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if c.Pos() > body.Lbrace && c.Pos() < end && hasWord(c.Text, beginPrefix) {
				return true
			}
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
