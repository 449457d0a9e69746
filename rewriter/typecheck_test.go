package rewriter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTypeGraphCheck type-checks changed packages in memory against the
// first load's export data: a package between two changed ones is checked
// from source so that types keep one identity, imports the first load did
// not have come from export data, and errors carry file:line:col.
func TestTypeGraphCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, src string) string {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	write("go.mod", "module example.com/m\n\ngo 1.26\n")
	bFile := write("b/b.go", "package b\n\n//trace:span\nfunc F() T { return 0 }\n\ntype T int\n")
	write("c/c.go", "package c\n\nimport \"example.com/m/b\"\n\nfunc G() b.T { return b.F() }\n")
	aFile := write("a/a.go", "package a\n\nimport \"example.com/m/c\"\n\n//trace:span\nfunc H() { _ = c.G() }\n")

	cfg := config{Dir: dir, Patterns: []string{"./..."}}
	pkgs, _, diags, err := load(cfg, nil)
	if err != nil || len(diags) > 0 {
		t.Fatalf("load: %v %v", err, diags)
	}
	if len(pkgs) != 2 {
		t.Fatalf("typed load: got %d packages, want a and b", len(pkgs))
	}
	u := newTypeGraph(cfg, pkgs)

	// b gains a method that a calls through c, which did not change: c
	// must see the new b, or c.G() would have the old T without M.
	overlay := map[string][]byte{
		bFile: []byte("package b\n\nfunc F() T { return 0 }\n\ntype T int\n\nfunc (T) M() string { return \"\" }\n"),
		aFile: []byte("package a\n\nimport (\n\t\"example.com/m/c\"\n\t\"text/tabwriter\"\n)\n\nfunc H() { _ = c.G().M() + string(rune(tabwriter.Debug)) }\n"),
	}
	checked, err := u.typeCheck([]string{"example.com/m/a", "example.com/m/b"}, overlay)
	if err != nil {
		t.Fatal(err)
	}
	if len(checked) != 2 {
		t.Fatalf("got %d packages, want 2", len(checked))
	}
	for _, p := range checked {
		if len(p.Errors) > 0 {
			t.Errorf("%s: %v", p.PkgPath, p.Errors)
		}
		if p.Types == nil || p.TypesInfo == nil || len(p.Syntax) != 1 {
			t.Errorf("%s: incomplete package", p.PkgPath)
		}
	}
	a, b := checked[0], checked[1]
	m := a.Types.Scope().Lookup("H")
	if m == nil {
		t.Fatal("a.H missing")
	}
	// The T that a sees through c is the freshly checked one.
	var viaC string
	for id, obj := range a.TypesInfo.Uses {
		if id.Name == "M" {
			viaC = obj.Pkg().Path()
			if obj.Pkg() != b.Types {
				t.Errorf("a calls M of another b")
			}
		}
	}
	if viaC != "example.com/m/b" {
		t.Errorf("a does not use b's M: %q", viaC)
	}

	// A type error is reported as go/packages would, with its position.
	overlay[aFile] = []byte("package a\n\nimport \"example.com/m/c\"\n\nfunc H() { _ = c.G().N() }\n")
	checked, err = u.typeCheck([]string{"example.com/m/a", "example.com/m/b"}, overlay)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range packageErrors(checked[0]) {
		got = append(got, d.String())
	}
	want := aFile + ":5:22: c.G().N undefined (type b.T has no field or method N)"
	if len(got) != 1 || !strings.HasPrefix(got[0], want) {
		t.Errorf("errors:\n%s\nwant %s", strings.Join(got, "\n"), want)
	}
}
