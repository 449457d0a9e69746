package rewriter

import (
	"bytes"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path"
	"path/filepath"
	"sync"
	"testing"

	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/txtar"
)

// FuzzRoundTrip mutates single-file packages carrying directives (seeded
// with the golden, round-trip and diagnostic inputs) and checks, in
// memory, what every run must guarantee: no crash; output that parses,
// type-checks and is gofmt-clean where the input was; a second run that
// changes nothing; -remove that restores the input; and instrumenting the
// removed source again reproduces the first run. Inputs that do not type-check on their
// own, or that the tool rejects with an error, are skipped.
//
//	go test ./rewriter -run '^$' -fuzz FuzzRoundTrip -fuzztime 10m
func FuzzRoundTrip(f *testing.F) {
	// The inputs of the golden cases (input/*.go), of the round-trip cases
	// and of the diagnostic cases (*.go at the top of the archive).
	for _, glob := range []struct{ archives, dir string }{
		{filepath.Join(moduleRoot(f), "testdata", "rewrite", "*.txtar"), "input"},
		{filepath.Join("testdata", "roundtrip", "*.txtar"), "."},
		{filepath.Join("testdata", "diagnostics", "*.txtar"), "."},
	} {
		archives, _ := filepath.Glob(glob.archives)
		if len(archives) == 0 {
			f.Fatalf("no seeds in %s", glob.archives)
		}
		for _, a := range archives {
			ar, err := txtar.ParseFile(a)
			if err != nil {
				f.Fatal(err)
			}
			for _, file := range ar.Files {
				if path.Ext(file.Name) == ".go" && path.Dir(file.Name) == glob.dir {
					f.Add(file.Data)
				}
			}
		}
	}
	// Load the imports' types before fuzzing: an input must not pay for it
	// (the fuzzer takes a slow input for a hang).
	fuzzImporter(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		fuzzCheck(t, src)
	})
}

var (
	fuzzImportsOnce sync.Once
	fuzzImports     map[string]*types.Package
	fuzzImportsErr  error
)

// fuzzImporter has the types of the packages fuzzed inputs may import,
// from one load.
func fuzzImporter(t testing.TB) types.Importer {
	fuzzImportsOnce.Do(func() {
		cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes | packages.NeedImports | packages.NeedDeps, Dir: moduleRoot(t)}
		pkgs, err := packages.Load(cfg, "context", "errors", "fmt", "net/http", "strings", "sync", "time", ginPath,
			"github.com/traceinject/traceinject/runtime", "github.com/traceinject/traceinject/runtime/tracegin")
		if err != nil {
			fuzzImportsErr = err
			return
		}
		fuzzImports = map[string]*types.Package{}
		packages.Visit(pkgs, nil, func(p *packages.Package) {
			if p.Types != nil {
				fuzzImports[p.PkgPath] = p.Types
			}
		})
	})
	if fuzzImportsErr != nil {
		t.Fatal(fuzzImportsErr)
	}
	return importerFunc(func(path string) (*types.Package, error) {
		if p, ok := fuzzImports[path]; ok {
			return p, nil
		}
		return nil, os.ErrNotExist
	})
}

const fuzzFile = "/fuzz/p/p.go"

// memPackage parses and type-checks src as a package of its own.
func memPackage(t testing.TB, src []byte) (*packages.Package, bool) {
	return memPackageAt(t, "fuzz/p", src)
}

func memPackageAt(t testing.TB, path string, src []byte) (*packages.Package, bool) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, fuzzFile, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, false
	}
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{},
		Implicits: map[ast.Node]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}, Scopes: map[ast.Node]*types.Scope{},
		Instances: map[*ast.Ident]types.Instance{},
	}
	conf := types.Config{Importer: fuzzImporter(t), Error: func(error) {}}
	tp, err := conf.Check(path, fset, []*ast.File{f}, info)
	if err != nil {
		return nil, false
	}
	return &packages.Package{ID: path, Name: f.Name.Name, PkgPath: path, Fset: fset, Syntax: []*ast.File{f},
		GoFiles: []string{fuzzFile}, CompiledGoFiles: []string{fuzzFile}, Types: tp, TypesInfo: info}, true
}

// memRun is one run over the single-file package src, in memory. ok is
// false when the tool reports an error.
func memRun(t *testing.T, src []byte, mode runMode) (out []byte, stale, ok bool) {
	p, typed := memPackage(t, src)
	if !typed {
		return nil, false, false
	}
	cfg := config{Mode: mode, Overlay: map[string][]byte{fuzzFile: src}}
	res := &runResult{}
	sp := p
	if memStripUntyped {
		sp = untyped(p)
	}
	pr, err := stripPackage(cfg, sp, res)
	if err != nil || res.HasKind(Error) {
		return nil, false, false
	}
	if mode == modeRemove {
		for _, c := range res.Changes {
			return c.New, false, true
		}
		return src, false, true
	}
	if pr == nil {
		return nil, false, false
	}
	cp := p
	if stripped, ok := pr.strippedSrc[fuzzFile]; ok {
		if cp, typed = memPackage(t, stripped); !typed {
			// User code that needs the injected code (it uses the span
			// variable, say): the tool reports the error.
			return nil, false, false
		}
	}
	if err := instrumentPackage(pr, cp, res, nil); err != nil {
		t.Fatalf("instrumentPackage: %v", err)
	}
	if res.HasKind(Error) {
		return nil, false, false
	}
	out = src
	for _, c := range res.Changes {
		out = c.New
	}
	return out, res.HasKind(Stale), true
}

// memStripUntyped makes memRun strip its package from syntax alone, as
// the package-at-a-time run does (partial.go).
var memStripUntyped = false

// untyped is p as the package-at-a-time run strips it: its listing (the
// imports' names and paths) without types.
func untyped(p *packages.Package) *packages.Package {
	u := *p
	u.Types, u.TypesInfo = nil, nil
	u.Imports = map[string]*packages.Package{}
	for _, q := range p.Types.Imports() {
		u.Imports[q.Path()] = &packages.Package{ID: q.Path(), PkgPath: q.Path(), Name: q.Name()}
	}
	return &u
}

// memRunUntyped is memRun stripping without types: its result must be
// the same.
func memRunUntyped(t *testing.T, src []byte, mode runMode) (out []byte, stale, ok bool) {
	memStripUntyped = true
	defer func() { memStripUntyped = false }()
	return memRun(t, src, mode)
}

// memRunWhole is memRun decorating and printing whole files, never
// partial ones (partial.go): its result must be the same.
func memRunWhole(t *testing.T, src []byte, mode runMode) (out []byte, stale, ok bool) {
	wholeFiles = true
	defer func() { wholeFiles = false }()
	return memRun(t, src, mode)
}

// sameAsWhole checks that a run over partial files gives what a run over
// whole files gives.
func sameAsWhole(t *testing.T, src []byte, mode runMode) {
	out, stale, ok := memRun(t, src, mode)
	wout, wstale, wok := memRunWhole(t, src, mode)
	if ok != wok || stale != wstale || !bytes.Equal(out, wout) {
		t.Fatalf("partial files (ok %v, stale %v) and whole files (ok %v, stale %v) differ:\n%s\ninput:\n%s", ok, stale, wok, wstale, lineDiff(wout, out), src)
	}
	if p, ok := memPackage(t, src); !ok || !resolvesBySyntax(untyped(p), p.Syntax[0]) {
		return // stripped with types (needsTypesToStrip)
	}
	uout, ustale, uok := memRunUntyped(t, src, mode)
	if ok != uok || stale != ustale || !bytes.Equal(out, uout) {
		t.Fatalf("stripping with types (ok %v, stale %v) and without (ok %v, stale %v) differ:\n%s\ninput:\n%s", ok, stale, uok, ustale, lineDiff(out, uout), src)
	}
}

func fuzzCheck(t *testing.T, src []byte) {
	if _, typed := memPackage(t, src); !typed {
		return
	}
	sameAsWhole(t, src, modeInstrument)
	sameAsWhole(t, src, modeRemove)
	first, _, ok := memRun(t, src, modeInstrument)
	if !ok {
		return
	}
	sameAsWhole(t, first, modeInstrument)
	sameAsWhole(t, first, modeRemove)
	if _, typed := memPackage(t, first); !typed {
		t.Fatalf("output does not type-check:\n%s", first)
	}
	if fs, err := format.Source(src); err == nil && bytes.Equal(fs, src) {
		if fo, err := format.Source(first); err != nil || !bytes.Equal(fo, first) {
			t.Fatalf("output is not gofmt-clean:\n%s", lineDiff(fo, first))
		}
	}
	second, stale, ok := memRun(t, first, modeInstrument)
	if !ok || stale || !bytes.Equal(second, first) {
		t.Fatalf("second run (ok %v, stale %v) changed the output:\n%s\nfirst:\n%s\nsecond:\n%s", ok, stale, lineDiff(first, second), first, second)
	}
	removed, _, ok := memRun(t, first, modeRemove)
	if !ok {
		t.Fatalf("-remove failed on:\n%s", first)
	}
	// Input that already carries injected code need not come back.
	fresh := !bytes.Contains(src, []byte(beginPrefix)) && !bytes.Contains(src, []byte(endMarker))
	if fs, err := format.Source(src); err == nil && bytes.Equal(fs, src) && fresh && !bytes.Equal(removed, src) {
		t.Fatalf("-remove did not restore the input:\n%s\ninput:\n%s\ninstrumented:\n%s\nremoved:\n%s", lineDiff(src, removed), src, first, removed)
	}
	again, _, ok := memRun(t, removed, modeInstrument)
	if !ok || !bytes.Equal(again, first) {
		t.Fatalf("instrumenting after -remove differs:\n%s", lineDiff(first, again))
	}
}
