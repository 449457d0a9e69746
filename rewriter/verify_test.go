package rewriter

import (
	"go/ast"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// TestVerifyPackageChecksRewrittenFiles: the package-at-a-time check of new
// contents leaves out the bodies of the files it did not rewrite, and
// still finds every error of those it did, unused imports included,
// without reporting the imports the left-out bodies use.
func TestVerifyPackageChecksRewrittenFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module m\n\ngo 1.22\n",
		"a.go":   "package m\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n\nfunc A() string { return strings.ToUpper(fmt.Sprint(\"a\")) }\n\nfunc G[T any](v T) T { return v }\n\nfunc init() { _ = A() }\n",
		"b.go":   "package m\n\nfunc B() int { return 1 }\n",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pkgs, err := packages.Load(&packages.Config{Mode: exportMode, Dir: dir}, ".")
	if err != nil || len(pkgs) != 1 || len(pkgs[0].Errors) > 0 {
		t.Fatalf("load: %v %v", err, pkgs)
	}
	b := filepath.Join(dir, "b.go")
	for _, tc := range []struct {
		name, src string
		want      []string // substrings of the diagnostics, in order
	}{
		{"fine", "package m\n\nfunc B() int { x := G(2); return x + len(A()) }\n", nil},
		{"unused variable", "package m\n\nfunc B() int { x := 2; return 1 }\n", []string{"b.go:3:16: rewritten code does not type-check", "declared and not used: x"}},
		{"unused import", "package m\n\nimport \"fmt\"\n\nfunc B() int { return 1 }\n", []string{"b.go:3:8: rewritten code does not type-check", `"fmt" imported and not used`}},
		{"undefined", "package m\n\nfunc B() int { return C() }\n", []string{"b.go:3:23: rewritten code does not type-check", "undefined: C"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var diags []Diagnostic
			verifyPackage(newExportImporter(), pkgs[0], nil, map[string][]byte{b: []byte(tc.src)}, map[string]bool{b: true}, &diags)
			var got []string
			for _, d := range diags {
				got = append(got, d.String())
			}
			if len(tc.want) == 0 {
				if len(got) > 0 {
					t.Fatalf("diagnostics: %v", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("diagnostics %v, want one", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got[0], w) {
					t.Errorf("%q does not contain %q", got[0], w)
				}
			}
		})
	}
}

func TestUnusedImport(t *testing.T) {
	for msg, want := range map[string]bool{
		`"fmt" imported and not used`:              true,
		`"net/http" imported as h and not used`:    true,
		`declared and not used: fmt`:               false,
		`"fmt" imported and not used; and more`:    false,
		`undefined: fmt`:                           false,
		`"a" imported as b and not used elsewhere`: false,
	} {
		if got := unusedImport(msg); got != want {
			t.Errorf("unusedImport(%q) = %v, want %v", msg, got, want)
		}
	}
}

// TestCheckBodiesOfFallsBack: an error in a file whose bodies were left
// out, other than an import only those bodies used, means the file did
// not type-check as it was, and the package is checked again whole, so
// that the errors in its bodies are reported too.
func TestCheckBodiesOfFallsBack(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module m\n\ngo 1.22\n",
		"a.go":   "package m\n\nimport \"strings\"\n\nvar _ int = \"s\"\n\nfunc A() { x := strings.ToUpper(\"a\") }\n",
		"b.go":   "package m\n\nfunc B() int { return 1 }\n",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pkgs, err := packages.Load(&packages.Config{Mode: exportMode, Dir: dir}, ".")
	if err != nil || len(pkgs) != 1 {
		t.Fatalf("load: %v %v", err, pkgs)
	}
	imp := newExportImporter()
	p := imp.parse(pkgs[0], nil, nil)
	b := filepath.Join(dir, "b.go")
	imp.checkBodiesOf(p, func(name string) bool { return filepath.Clean(name) == b })
	var got []string
	for _, e := range p.Errors {
		got = append(got, e.Msg)
	}
	joined := strings.Join(got, "\n")
	for _, want := range []string{"cannot use \"s\"", "declared and not used: x"} {
		if !strings.Contains(joined, want) {
			t.Errorf("errors %q lack %q", got, want)
		}
	}
	if len(p.Syntax) != 2 || p.Syntax[0].Decls[len(p.Syntax[0].Decls)-1].(*ast.FuncDecl).Body == nil {
		t.Error("the package's syntax is not whole after the check")
	}
}
