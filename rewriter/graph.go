package rewriter

import (
	"bytes"
	"fmt"
	"go/token"
	"os/exec"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

// The package graph: which packages could call a function that gets a
// context parameter, in their own files or in their tests.
//
// Test variants are told apart by go list's ForTest (packages.NeedForTest),
// never by the shape of a package's ID: "p [p.test]" and "p_test [p.test]"
// have ForTest p, and so has any package recompiled for p's tests.

// testListMode is listMode with the test variants told apart.
const testListMode = listMode | packages.NeedForTest

// callerPaths returns the listed packages that could call a function of
// the packages in from: those packages and every listed package that
// imports one of them, directly or through other listed packages.
func callerPaths(listed []*packages.Package, from []string) []string {
	in := map[string]bool{}
	for _, p := range from {
		in[p] = true
	}
	for changed := true; changed; {
		changed = false
		for _, p := range listed {
			if in[p.PkgPath] {
				continue
			}
			for imp := range p.Imports {
				if in[imp] {
					in[p.PkgPath], changed = true, true
					break
				}
			}
		}
	}
	var out []string
	for p := range in {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// isTestVariant reports whether p is a package compiled for a package's
// tests ("p [p.test]", the external "p_test [p.test]", or a dependency
// recompiled for them), not the test main.
func isTestVariant(p *packages.Package) bool { return p.ForTest != "" }

// isTestMain reports whether p is the generated main package of a test
// binary: the one package outside the test variants that imports them.
func isTestMain(p *packages.Package) bool {
	if isTestVariant(p) {
		return false
	}
	for _, q := range p.Imports {
		if isTestVariant(q) {
			return true
		}
	}
	return false
}

// basePath is the path of the package a (test variant of a) package
// tests: p_test's external tests count as p.
func basePath(p *packages.Package) string {
	if p.ForTest != "" && p.PkgPath == p.ForTest+"_test" {
		return p.ForTest
	}
	return p.PkgPath
}

// moduleImporters returns, for each imported path, the packages of the
// main module importing it (a test variant counts as the package it tests).
func moduleImporters(all []*packages.Package) map[string][]string {
	importers := map[string][]string{}
	for _, p := range all {
		if p.Module == nil || !p.Module.Main || isTestMain(p) {
			continue
		}
		for imp := range p.Imports {
			importers[imp] = append(importers[imp], basePath(p))
		}
	}
	return importers
}

// testVariants loads, with types, the test variants of the given packages
// (for the call sites in their _test.go files); it returns only the test
// variants.
func testVariants(cfg config, overlay map[string][]byte, paths []string) ([]*packages.Package, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	tc := &packages.Config{Mode: typedMode | packages.NeedForTest, Dir: cfg.Dir, Env: cfg.Env, Overlay: overlay, Fset: token.NewFileSet(), Tests: true}
	pkgs, err := packages.Load(tc, paths...)
	if err != nil {
		return nil, err
	}
	var out []*packages.Package
	for _, p := range pkgs {
		if isTestVariant(p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// listTests lists, with their test variants and imports, the packages
// matching patterns and, with wholeModule, every package of the main module
// (for the importers of exported functions): one go list for both.
func listTests(cfg config, patterns []string, wholeModule bool) ([]*packages.Package, error) {
	pats := append([]string{}, patterns...)
	if wholeModule {
		// Every main module: in a go.work workspace, the other modules
		// may import the package too.
		mods, err := mainModules(cfg)
		if err != nil {
			return nil, err
		}
		for _, m := range mods {
			pats = append(pats, m+"/...")
		}
	}
	lc := &packages.Config{Mode: testListMode, Dir: cfg.Dir, Env: cfg.Env, Overlay: cfg.Overlay, Tests: true}
	return packages.Load(lc, pats...)
}

// mainModules returns the paths of the main modules: one, or in a go.work
// workspace, every module it uses.
func mainModules(cfg config) ([]string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Path}}")
	cmd.Dir, cmd.Env = cfg.Dir, cfg.Env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -m: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return strings.Fields(string(out)), nil
}

// testCallerPaths returns the listed packages whose test files import one
// of the packages in paths (or are in one of them): their test variants may
// call a function that gets a context parameter.
func testCallerPaths(all, listed []*packages.Package, paths []string) []string {
	target := map[string]bool{}
	for _, p := range paths {
		target[p] = true
	}
	isListed := map[string]bool{}
	for _, p := range listed {
		isListed[p.PkgPath] = true
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range all {
		if !isTestVariant(p) || p.Module == nil || !p.Module.Main || !isListed[basePath(p)] {
			continue
		}
		base := basePath(p)
		hit := target[base] && p.PkgPath == base // internal tests of a candidate
		for imp := range p.Imports {
			hit = hit || target[imp]
		}
		if hit && !seen[base] {
			seen[base] = true
			out = append(out, base)
		}
	}
	sort.Strings(out)
	return out
}
