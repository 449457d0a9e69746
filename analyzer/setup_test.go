package analyzer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"
)

// TestSetupNote: a fix whose file would import a runtime package that the
// module cannot build says so, with the go get that adds it; nothing is
// said when the package imports it already, or go.mod requires it with a
// checksum in go.sum or replaced by a directory.
func TestSetupNote(t *testing.T) {
	const fixed = "package p\n\nimport (\n\t\"context\"\n\n\t\"github.com/traceinject/traceinject/runtime\"\n\t\"github.com/traceinject/traceinject/runtime/tracegin\"\n)\n"
	const tool = "require github.com/traceinject/traceinject v1.2.3\n"
	for _, tc := range []struct {
		name, gomod, gosum string
		imported           []string
		want               string // "" for no note
	}{
		{"nothing required", "", "", nil,
			"; the fix imports github.com/traceinject/traceinject/runtime, github.com/traceinject/traceinject/runtime/tracegin, which this module cannot build yet (go.mod does not require github.com/traceinject/traceinject/runtime, github.com/traceinject/traceinject/runtime/tracegin): run go get github.com/traceinject/traceinject/runtime github.com/traceinject/traceinject/runtime/tracegin"},
		{"the tool's version", tool, "", nil,
			"run go get github.com/traceinject/traceinject/runtime@v1.2.3 github.com/traceinject/traceinject/runtime/tracegin@v1.2.3"},
		{"runtime imported already", "", "", []string{"github.com/traceinject/traceinject/runtime"},
			"(go.mod does not require github.com/traceinject/traceinject/runtime/tracegin): run go get github.com/traceinject/traceinject/runtime/tracegin"},
		{"no checksum",
			"require (\n\tgithub.com/traceinject/traceinject/runtime v1.2.3\n\tgithub.com/traceinject/traceinject/runtime/tracegin v1.2.3\n)\n",
			"github.com/traceinject/traceinject/runtime v1.2.3 h1:x=\ngithub.com/traceinject/traceinject/runtime v1.2.3/go.mod h1:y=\ngithub.com/traceinject/traceinject/runtime/tracegin v1.2.3/go.mod h1:z=\n",
			nil, "(go.sum has no checksum for github.com/traceinject/traceinject/runtime/tracegin): run go get github.com/traceinject/traceinject/runtime/tracegin"},
		{"replaced by a directory",
			"require (\n\tgithub.com/traceinject/traceinject/runtime v1.2.3\n\tgithub.com/traceinject/traceinject/runtime/tracegin v1.2.3\n)\nreplace github.com/traceinject/traceinject/runtime => ../runtime\nreplace github.com/traceinject/traceinject/runtime/tracegin v1.2.3 => ../tracegin\n",
			"", nil, ""},
		{"all there",
			"require (\n\tgithub.com/traceinject/traceinject/runtime v1.2.3\n\tgithub.com/traceinject/traceinject/runtime/tracegin v1.2.3\n)\n",
			"github.com/traceinject/traceinject/runtime v1.2.3 h1:x=\ngithub.com/traceinject/traceinject/runtime/tracegin v1.2.3 h1:z=\n",
			nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/m\n\ngo 1.22\n\n"+tc.gomod), 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.gosum != "" {
				if err := os.WriteFile(filepath.Join(dir, "go.sum"), []byte(tc.gosum), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			pkg := filepath.Join(dir, "p")
			if err := os.Mkdir(pkg, 0o755); err != nil {
				t.Fatal(err)
			}
			imported := map[string]bool{}
			for _, p := range tc.imported {
				imported[p] = true
			}
			got := setupNote(imported, pkg, []byte(fixed))
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("note %q, want one containing %q", got, tc.want)
			}
		})
	}
}

// TestFixInModuleWithoutRuntime: the analyzer's diagnostic names the go get
// a fix needs in a module that does not require the runtime yet, and the
// fix is still offered: go vet -fix applies it.
func TestFixInModuleWithoutRuntime(t *testing.T) {
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off")
	dir := t.TempDir()
	for name, src := range map[string]string{
		"go.mod": "module example.com/u\n\ngo 1.22\n",
		"u/u.go": "package u\n\nimport \"context\"\n\n// F is annotated.\n//\n/* want `F: not instrumented \\(run traceinject\\); the fix imports github.com/traceinject/traceinject/runtime, which this module cannot build yet \\(go.mod does not require github.com/traceinject/traceinject/runtime\\): run go get github.com/traceinject/traceinject/runtime$` */ //trace:span\nfunc F(ctx context.Context) {} // want F:\"traced\"\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	results := analysistest.Run(t, dir, Analyzer, "./u")
	fixes := 0
	for _, r := range results {
		for _, d := range r.Diagnostics {
			fixes += len(d.SuggestedFixes)
		}
	}
	if fixes != 1 {
		t.Errorf("%d fixes, want 1", fixes)
	}
}
