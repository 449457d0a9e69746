package rewriter

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
	"golang.org/x/tools/txtar"

	"github.com/traceinject/traceinject/internal/difftest"
	"github.com/traceinject/traceinject/internal/testexec"
)

var update = flag.Bool("update", false, "rewrite the golden/ and removed/ sections of ../testdata/rewrite/*.txtar and the want/ and removed/ sections of testdata/roundtrip/*.txtar")

// Golden cases are archives, ../testdata/rewrite/<case>.txtar, whose files
// are the sections:
//
//   - input/NAME: the annotated package before instrumentation;
//   - golden/NAME: the expected result, and the case's tests
//     (golden/*_test.go, which the tool does not touch): behaviour tests
//     against mocktracer and the differential test every case must have;
//   - removed/NAME: what -remove leaves of golden/ where that is not the
//     input (the case adds context parameters, which stay);
//   - old/NAME: code instrumented by an earlier version of the tool;
//   - any other directory: a package of the case that its input imports.
//
// Each test extracts the archives into a fresh directory of this module's
// testdata (<case>/input, <case>/golden, ...), so that the cases compile
// against the real runtime and internal/difftest, and removes it after the
// test. An import of a case's own package is written in the archive with
// the path it would have at testdata/rewrite/<case>/, and rewritten to
// the extracted directory's and back. -update writes the output into the
// golden/ and removed/ sections in place.

const goldenPathPrefix = "github.com/traceinject/traceinject/testdata/rewrite/"

// moduleRoot is the directory of this module's go.mod (found upwards, so
// that the tests do not depend on where the package sits in the module).
func moduleRoot(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && modfile.ModulePath(b) == "github.com/traceinject/traceinject" {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("not inside the module github.com/traceinject/traceinject")
		}
		dir = parent
	}
}

// goldenSet is the golden cases, extracted.
type goldenSet struct {
	root     string // the module root
	dir      string // where the cases are extracted: dir/<case>/<section>/NAME
	names    []string
	archives map[string]*txtar.Archive
	onDisk   string // goldenPathPrefix as extracted
}

func goldenCases(t testing.TB) *goldenSet {
	t.Helper()
	root := moduleRoot(t)
	paths, err := filepath.Glob(filepath.Join(root, "testdata", "rewrite", "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	dir, err := os.MkdirTemp(filepath.Join(root, "testdata"), "golden-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	g := &goldenSet{root: root, dir: dir, archives: map[string]*txtar.Archive{},
		onDisk: "github.com/traceinject/traceinject/testdata/" + filepath.Base(dir) + "/"}
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".txtar")
		ar, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if !strings.Contains(f.Name, "/") {
				t.Fatalf("%s: %s: every file of a golden case is in a section (input/, golden/, ...)", p, f.Name)
			}
			path := filepath.Join(dir, name, filepath.FromSlash(f.Name))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, g.toDisk(f.Data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		g.names = append(g.names, name)
		g.archives[name] = ar
	}
	sort.Strings(g.names)
	return g
}

// toDisk and fromDisk rewrite imports of a case's own packages.
func (g *goldenSet) toDisk(b []byte) []byte {
	return bytes.ReplaceAll(b, []byte(goldenPathPrefix), []byte(g.onDisk))
}

func (g *goldenSet) fromDisk(b []byte) []byte {
	return bytes.ReplaceAll(b, []byte(g.onDisk), []byte(goldenPathPrefix))
}

// named rewrites the extracted directory's import path and file name in
// a go command's output to the case's (testdata/rewrite/<case>/<section>),
// whose archive is testdata/rewrite/<case>.txtar.
func (g *goldenSet) named(out []byte) []byte {
	out = g.fromDisk(out)
	rel, err := filepath.Rel(g.root, g.dir)
	if err != nil {
		return out
	}
	out = bytes.ReplaceAll(out, []byte(g.dir+string(filepath.Separator)), []byte(filepath.Join("testdata", "rewrite")+string(filepath.Separator)))
	return bytes.ReplaceAll(out, []byte(rel+string(filepath.Separator)), []byte(filepath.Join("testdata", "rewrite")+string(filepath.Separator)))
}

// path is where a section of a case is extracted.
func (g *goldenSet) path(c, section string) string {
	return filepath.Join(g.dir, c, section)
}

// pattern is the package pattern of a section of a case.
func (g *goldenSet) pattern(c, section string) string {
	rel, err := filepath.Rel(g.root, g.path(c, section))
	if err != nil {
		panic(err)
	}
	return "./" + filepath.ToSlash(rel)
}

// packages are the sections of a case that are neither input/, golden/,
// removed/ nor old/: packages of the case that its input imports, or
// tests of its own that need a test binary of their own.
func (g *goldenSet) packages(c string) []string {
	var dirs []string
	seen := map[string]bool{"input": true, "golden": true, "removed": true, "old": true}
	for _, f := range g.archives[c].Files {
		if dir := path.Dir(f.Name); !seen[dir] {
			seen[dir] = true
			dirs = append(dirs, dir)
		}
	}
	return dirs
}

func (g *goldenSet) has(c, section string) bool {
	return len(g.section(c, section)) > 0
}

// section returns the non-test Go files of a section of a case's
// archive, by base name.
func (g *goldenSet) section(c, section string) map[string][]byte {
	m := map[string][]byte{}
	for _, f := range g.archives[c].Files {
		dir, name := path.Split(f.Name)
		if dir == section+"/" && strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
			m[name] = f.Data
		}
	}
	return m
}

// caseOf is the case of an extracted file.
func (g *goldenSet) caseOf(file string) string {
	return filepath.Base(filepath.Dir(filepath.Dir(file)))
}

// updateSection replaces the files of a section of a case's archive (by
// base name) and writes the archive. A file the archive lacks is added
// after the section's last file.
func (g *goldenSet) updateSection(t testing.TB, c, section string, files map[string][]byte) {
	t.Helper()
	p := filepath.Join(g.root, "testdata", "rewrite", c+".txtar")
	ar, err := txtar.ParseFile(p)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		full := section + "/" + name
		last, found := -1, false
		for i := range ar.Files {
			if ar.Files[i].Name == full {
				ar.Files[i].Data, found = files[name], true
				break
			}
			if strings.HasPrefix(ar.Files[i].Name, section+"/") && !strings.HasSuffix(ar.Files[i].Name, "_test.go") {
				last = i
			}
		}
		if !found {
			if last < 0 {
				last = len(ar.Files) - 1
			}
			ar.Files = append(ar.Files[:last+1], append([]txtar.File{{Name: full, Data: files[name]}}, ar.Files[last+1:]...)...)
		}
	}
	if err := os.WriteFile(p, txtar.Format(ar), 0o644); err != nil {
		t.Fatal(err)
	}
	g.archives[c] = ar
}

// runOn runs the tool over the given section of the given cases at once
// (one load) and returns, per case and file, the content it would leave.
// overlay is keyed by extracted path.
func runOn(t *testing.T, g *goldenSet, cases []string, section string, mode runMode, overlay map[string][]byte, verify bool) map[string]map[string][]byte {
	t.Helper()
	var patterns []string
	for _, c := range cases {
		patterns = append(patterns, g.pattern(c, section))
	}
	disk := map[string][]byte{}
	for p, b := range overlay {
		disk[p] = g.toDisk(b)
	}
	res, err := runPipeline(config{Dir: g.root, Patterns: patterns, Mode: mode, Overlay: disk, Verify: verify})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range res.Diagnostics {
		if d.Kind != Stale && d.Kind != Warning {
			t.Errorf("%s", d)
		}
	}
	out := map[string]map[string][]byte{}
	for _, c := range cases {
		files := g.section(c, section)
		for name := range files {
			if b, ok := overlay[filepath.Join(g.path(c, section), name)]; ok {
				files[name] = b
			}
		}
		out[c] = files
	}
	for _, ch := range res.Changes {
		c := g.caseOf(ch.Path)
		out[c][filepath.Base(ch.Path)] = g.fromDisk(ch.New)
	}
	return out
}

func TestGolden(t *testing.T) {
	g := goldenCases(t)
	got := runOn(t, g, g.names, "input", modeInstrument, nil, true)
	for _, c := range g.names {
		if *update {
			g.updateSection(t, c, "golden", got[c])
			continue
		}
		want := g.section(c, "golden")
		for _, name := range sortedNames(got[c]) {
			if b := got[c][name]; !bytes.Equal(b, want[name]) {
				t.Errorf("%s.txtar: golden/%s: output differs (go test ./rewriter -run 'TestGolden$' -update rewrites the section):\n%s", c, name, lineDiff(want[name], b))
			}
		}
		if len(want) != len(got[c]) {
			t.Errorf("%s.txtar: golden/ has %d files, output %d", c, len(want), len(got[c]))
		}
	}
}

func sortedNames(m map[string][]byte) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TestIdempotent runs the tool on its own output: nothing may change.
func TestIdempotent(t *testing.T) {
	g := goldenCases(t)
	got := runOn(t, g, g.names, "golden", modeInstrument, nil, false)
	for _, c := range g.names {
		want := g.section(c, "golden")
		for _, name := range sortedNames(got[c]) {
			if b := got[c][name]; !bytes.Equal(b, want[name]) {
				t.Errorf("%s.txtar: golden/%s: second run changed the output:\n%s", c, name, lineDiff(want[name], b))
			}
		}
	}
}

// TestRemoveRestoresInput removes the instrumentation from every golden
// output: the result must be the input, byte for byte, except where the
// tool added context parameters, which stay: those cases keep the expected
// result in removed/ (which -update rewrites; it never adds one).
func TestRemoveRestoresInput(t *testing.T) {
	g := goldenCases(t)
	got := runOn(t, g, g.names, "golden", modeRemove, nil, false)
	for _, c := range g.names {
		section := "input"
		if g.has(c, "removed") {
			section = "removed"
			if *update {
				g.updateSection(t, c, section, got[c])
				continue
			}
		}
		want := g.section(c, section)
		for _, name := range sortedNames(got[c]) {
			if b := got[c][name]; !bytes.Equal(b, want[name]) {
				t.Errorf("%s.txtar: -remove of golden/%s is not %s/%s:\n%s", c, name, section, name, lineDiff(want[name], b))
			}
		}
	}
}

// TestDirectiveEditUpdatesInPlace edits directives of instrumented code and
// expects exactly the injected lines that depend on them to change.
func TestDirectiveEditUpdatesInPlace(t *testing.T) {
	g := goldenCases(t)
	src := g.section("context", "golden")["svc.go"]
	edits := []struct{ old, new string }{
		{"//trace:span svc.unnamed\n", "//trace:span svc.renamed follows\n"},
		{`tag.kind="lookup"`, `tag.kind="get"`},
	}
	edited := string(src)
	for _, e := range edits {
		if !strings.Contains(edited, e.old) {
			t.Fatalf("golden file lacks %q", e.old)
		}
		edited = strings.Replace(edited, e.old, e.new, 1)
	}
	path := filepath.Join(g.path("context", "golden"), "svc.go")
	got := runOn(t, g, []string{"context"}, "golden", modeInstrument, map[string][]byte{path: []byte(edited)}, false)
	want := strings.Replace(edited, `Start(ctx, "svc.unnamed")`, `StartFollowsFrom(ctx, "svc.renamed")`, 1)
	want = strings.Replace(want, `SetTag(span, "kind", "lookup")`, `SetTag(span, "kind", "get")`, 1)
	if want == edited {
		t.Fatal("expected injected lines not found in golden file")
	}
	if g := string(got["context"]["svc.go"]); g != want {
		t.Errorf("edited directives did not update in place:\n%s", lineDiff([]byte(want), []byte(g)))
	}
}

// TestGoldenBuildsAndBehaves vets every golden package (and the case's
// other packages) and runs their behaviour tests (instrumented code against mocktracer), with one go
// command each for all cases. Every case has a differential test
// (golden/differential_test.go, internal/difftest): its observations must
// be the same with the no-op tracer and with a recording tracer, and the
// same as those of the same test run against the uninstrumented code: the
// input, or removed/ where the tool adds context parameters (the input
// with them).
func TestGoldenBuildsAndBehaves(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the golden packages")
	}
	g := goldenCases(t)
	var pkgs, inputs []string
	overlay := map[string]string{}
	for _, c := range g.names {
		pkgs = append(pkgs, g.pattern(c, "golden"))
		for _, p := range g.packages(c) {
			pkgs = append(pkgs, g.pattern(c, p))
		}
		diffTest := filepath.Join(g.path(c, "golden"), "differential_test.go")
		b, err := os.ReadFile(diffTest)
		if err != nil || !bytes.Contains(b, []byte("difftest.Same(")) {
			t.Errorf("%s.txtar: golden/differential_test.go must observe the case with difftest.Same (no-op and recording tracer)", c)
			continue
		}
		// The uninstrumented code with the golden output's signatures: the
		// input, or, where the tool adds context parameters, what -remove
		// leaves (removed/).
		plain := "input"
		if g.has(c, "removed") {
			plain = "removed"
		}
		inputs = append(inputs, g.pattern(c, plain))
		overlay[filepath.Join(g.path(c, plain), "differential_test.go")] = diffTest
	}
	tmp := t.TempDir()
	goldenOut, inputOut := filepath.Join(tmp, "golden"), filepath.Join(tmp, "input")
	overlayFile := filepath.Join(tmp, "overlay.json")
	ob, err := json.Marshal(map[string]any{"Replace": overlay})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []func() error{
		func() error { return os.Mkdir(goldenOut, 0o755) },
		func() error { return os.Mkdir(inputOut, 0o755) },
		func() error { return os.WriteFile(overlayFile, ob, 0o644) },
	} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	for _, run := range []struct {
		args []string
		env  []string
	}{
		{append([]string{"vet"}, pkgs...), nil},
		{append([]string{"test", "-count=1"}, pkgs...), []string{difftest.OutDirEnv + "=" + goldenOut}},
		{append([]string{"test", "-count=1", "-run=^TestSameBehaviour$", "-overlay=" + overlayFile}, inputs...),
			[]string{difftest.OutDirEnv + "=" + inputOut, difftest.UninstrumentedEnv + "=1"}},
	} {
		cmd := testexec.Command(t, "go", run.args...)
		cmd.Dir = g.root
		cmd.Env = append(os.Environ(), run.env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("go %s: %v\n%s", strings.Join(run.args[:2], " "), err, g.named(out))
		}
	}
	if t.Failed() {
		return
	}
	// What the instrumented code did must be what the input did.
	observed, _ := filepath.Glob(filepath.Join(inputOut, "*"))
	if len(observed) != len(inputs) {
		t.Errorf("%d observations of %d inputs", len(observed), len(inputs))
	}
	for _, in := range observed {
		want, _ := os.ReadFile(in)
		got, err := os.ReadFile(filepath.Join(goldenOut, filepath.Base(in)))
		if err != nil {
			t.Errorf("%s: no observation of the golden output: %v", filepath.Base(in), err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the instrumented code behaves differently from the input:\ninput:        %s\ninstrumented: %s", filepath.Base(in), want, got)
		}
	}
}

// lineDiff is a short report of the first differing lines.
func lineDiff(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + itoa(i+1) + ":\nwant: " + w + "\n got: " + g
		}
	}
	return "(no line differs)"
}

func itoa(i int) string { return strconv.Itoa(i) }

// BenchmarkRun measures one run over all golden inputs: listing, the byte
// scan, type-checking the packages with directives, and instrumenting.
// "all" includes the case whose functions get a context parameter (which
// loads callers and lists the module); "no-neither" leaves it out, the
// fast path.
func BenchmarkRun(b *testing.B) {
	g := goldenCases(b)
	var all, fast []string
	for _, c := range g.names {
		all = append(all, g.pattern(c, "input"))
		if c != "neither" {
			fast = append(fast, g.pattern(c, "input"))
		}
	}
	for _, bc := range []struct {
		name     string
		patterns []string
	}{{"all", all}, {"no-neither", fast}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				res, err := runPipeline(config{Dir: g.root, Patterns: bc.patterns})
				if err != nil || len(res.Changes) == 0 {
					b.Fatalf("%v %v", err, res)
				}
			}
		})
	}
}

// TestUpgradeFromEarlierShapes runs the tool over code that earlier versions
// instrumented (the old/ section of a case): -remove restores the input
// byte for byte, and a run brings it to the golden output, so that users
// who upgrade are not stuck with shapes the tool no longer writes.
func TestUpgradeFromEarlierShapes(t *testing.T) {
	g := goldenCases(t)
	var cases []string
	for _, c := range g.names {
		if g.has(c, "old") {
			cases = append(cases, c)
		}
	}
	if len(cases) == 0 {
		t.Fatal("no case has an old/ section")
	}
	// -check tells the user: every function in an earlier shape is stale.
	var patterns []string
	begins := 0
	for _, c := range cases {
		patterns = append(patterns, g.pattern(c, "old"))
		for _, src := range g.section(c, "old") {
			begins += bytes.Count(src, []byte("//trace:begin"))
		}
	}
	res, err := runPipeline(config{Dir: g.root, Patterns: patterns, Mode: modeInstrument})
	if err != nil {
		t.Fatal(err)
	}
	stale := 0
	for _, d := range res.Diagnostics {
		if d.Kind == Stale {
			stale++
		}
	}
	if stale != begins {
		t.Errorf("-check reports %d stale functions in old/ of %v, want %d: %v", stale, cases, begins, res.Diagnostics)
	}
	for _, m := range []struct {
		mode runMode
		want string
	}{{modeRemove, "input"}, {modeInstrument, "golden"}} {
		got := runOn(t, g, cases, "old", m.mode, nil, false)
		for _, c := range cases {
			want := g.section(c, m.want)
			for _, name := range sortedNames(got[c]) {
				if b := got[c][name]; !bytes.Equal(b, want[name]) {
					t.Errorf("%s.txtar: old/%s: the result is not %s/%s:\n%s", c, name, m.want, name, lineDiff(want[name], b))
				}
			}
		}
	}
}
