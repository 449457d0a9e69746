package rewriter

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/traceinject/traceinject/templates/inject"
)

// listMode is all the first pass needs: names, files and the import graph
// (which packages could call a function that gets a context parameter), as
// cheap as go list.
const listMode = packages.NeedName | packages.NeedFiles | packages.NeedModule | packages.NeedImports

// typedMode loads a package's syntax and types; dependencies come from
// export data, so only packages with directives are type-checked from source.
const typedMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
	packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo | packages.NeedImports |
	packages.NeedExportFile | packages.NeedTypesSizes

// load lists the packages matching cfg.Patterns and type-checks those whose
// files mention a directive or marker (or, for Remove, the runtime package).
// It also returns the listed packages of the main module.
func load(cfg config, overlay map[string][]byte) (pkgs, listed []*packages.Package, diags []Diagnostic, err error) {
	listed, paths, diags, err := list(cfg, overlay)
	if err != nil || len(paths) == 0 {
		return nil, listed, diags, err
	}
	pkgs, err = loadTyped(cfg, overlay, paths)
	return pkgs, listed, diags, err
}

// list lists the packages matching cfg.Patterns and returns the listed
// packages of the main module and the paths of those whose files mention
// a directive or marker (or, for Remove, the runtime package): the ones to
// type-check.
func list(cfg config, overlay map[string][]byte) (listed []*packages.Package, paths []string, diags []Diagnostic, err error) {
	patterns := cfg.Patterns
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	lc := &packages.Config{Mode: listMode, Dir: cfg.Dir, Env: cfg.Env, Overlay: overlay}
	all, err := packages.Load(lc, patterns...)
	if err != nil {
		return nil, nil, nil, err
	}
	seen := map[string]bool{}
	needles := directiveNeedles(cfg)
	for _, p := range all {
		if len(p.GoFiles) == 0 && len(p.Errors) > 0 {
			diags = append(diags, packageErrors(p)...)
			continue
		}
		// Only the main module's own files are ever rewritten, never the
		// module cache or the standard library.
		if p.Module == nil || !p.Module.Main {
			continue
		}
		listed = append(listed, p)
		// The policy (-require, -annotate) reads every package's types.
		if seen[p.PkgPath] || !cfg.policy() && !mentions(p.GoFiles, overlay, needles) {
			continue
		}
		seen[p.PkgPath] = true
		paths = append(paths, p.PkgPath)
	}
	return listed, paths, diags, nil
}

// directiveNeedles are the bytes that make a package worth type-checking.
func directiveNeedles(cfg config) [][]byte {
	// "trace:span" also finds "// trace:span", which gets a diagnostic.
	needles := [][]byte{[]byte(tracePrefix), []byte(spanPrefix[2:]), []byte(ignorePrefix[2:])}
	if cfg.Mode == modeRemove {
		needles = append(needles, []byte(strconv.Quote(inject.RuntimePath)))
	}
	return needles
}

func loadTyped(cfg config, overlay map[string][]byte, paths []string) ([]*packages.Package, error) {
	tc := &packages.Config{Mode: typedMode, Dir: cfg.Dir, Env: cfg.Env, Overlay: overlay, Fset: token.NewFileSet()}
	return packages.Load(tc, paths...)
}

// mentions is the byte scan that keeps type-checking off packages that have
// nothing for us.
func mentions(files []string, overlay map[string][]byte, needles [][]byte) bool {
	for _, name := range files {
		src, err := readFile(name, overlay)
		if err != nil {
			return true // let the typed load report it
		}
		for _, n := range needles {
			if bytes.Contains(src, n) {
				return true
			}
		}
	}
	return false
}

func readFile(name string, overlay map[string][]byte) ([]byte, error) {
	if b, ok := overlay[name]; ok {
		return b, nil
	}
	return os.ReadFile(name)
}

// packageErrors turns p's errors into diagnostics. go list's echo of the
// compiler's output ("# pkg" followed by the same errors) is dropped when the
// parser or type checker reported them itself.
func packageErrors(p *packages.Package) []Diagnostic {
	var diags []Diagnostic
	precise := false
	for _, e := range p.Errors {
		precise = precise || e.Kind == packages.ParseError || e.Kind == packages.TypeError
	}
	seen := map[string]bool{}
	for _, e := range p.Errors {
		if precise && e.Kind == packages.ListError && strings.HasPrefix(e.Msg, "# ") {
			continue
		}
		d := Diagnostic{Pos: parsePos(e.Pos), Kind: Error, Msg: e.Msg}
		if !seen[d.String()] {
			seen[d.String()] = true
			diags = append(diags, d)
		}
	}
	return diags
}

// parsePos parses go/packages' "file:line:col" error positions.
func parsePos(s string) token.Position {
	var p token.Position
	if s == "" || s == "-" {
		return p
	}
	parts := strings.Split(s, ":")
	n := len(parts)
	if n >= 3 {
		line, err1 := strconv.Atoi(parts[n-2])
		col, err2 := strconv.Atoi(parts[n-1])
		if err1 == nil && err2 == nil {
			return token.Position{Filename: strings.Join(parts[:n-2], ":"), Line: line, Column: col}
		}
	}
	if n >= 2 {
		if line, err := strconv.Atoi(parts[n-1]); err == nil {
			return token.Position{Filename: strings.Join(parts[:n-1], ":"), Line: line}
		}
	}
	return token.Position{Filename: s}
}

// goFiles pairs each syntax tree of p with its file name, keeping only the
// package's own Go files (not cgo-generated ones).
func goFiles(p *packages.Package) map[*ast.File]string {
	own := map[string]bool{}
	for _, g := range p.GoFiles {
		own[filepath.Clean(g)] = true
	}
	m := map[*ast.File]string{}
	for _, f := range p.Syntax {
		name := p.Fset.File(f.Pos()).Name()
		if own[filepath.Clean(name)] {
			m[f] = name
		}
	}
	return m
}

func errorf(pos token.Position, format string, args ...any) Diagnostic {
	return Diagnostic{Pos: pos, Kind: Error, Msg: fmt.Sprintf(format, args...)}
}

// packagePatterns returns cfg's patterns with each Go file named (as in
// traceinject -check main.go) replaced by its directory: the tool works on
// whole packages, which it must type-check as they are built.
func packagePatterns(cfg config) []string {
	var out []string
	for _, pat := range cfg.Patterns {
		if strings.HasSuffix(pat, ".go") {
			path := pat
			if !filepath.IsAbs(path) && cfg.Dir != "" {
				path = filepath.Join(cfg.Dir, path)
			}
			if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
				dir := filepath.Dir(pat)
				if !filepath.IsAbs(dir) && dir != "." && !strings.HasPrefix(dir, "..") {
					dir = "./" + filepath.ToSlash(dir)
				}
				pat = dir
			}
		}
		if !slices.Contains(out, pat) {
			out = append(out, pat)
		}
	}
	return out
}
