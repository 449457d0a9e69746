package rewriter

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/traceinject/traceinject/internal/difftest"
	"github.com/traceinject/traceinject/internal/testexec"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/rewrite")

// Golden cases live in ../testdata/rewrite/<case>/: input/ is the annotated
// package before instrumentation, golden/ the expected result (plus
// behaviour tests, *_test.go, which the tool does not touch). Both are
// packages of this module, so they compile against the real runtime.

func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func goldenCases(t *testing.T) (root string, cases []string) {
	root = moduleRoot(t)
	dirs, err := filepath.Glob(filepath.Join(root, "testdata", "rewrite", "*", "input"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, d := range dirs {
		cases = append(cases, filepath.Base(filepath.Dir(d)))
	}
	sort.Strings(cases)
	return root, cases
}

// goFilesIn returns the non-test Go files of dir, by base name.
func goFilesIn(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	names, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		m[filepath.Base(n)] = b
	}
	return m
}

// runOn runs the tool over the given case subdirectories at once (one load)
// and returns, per case and file, the content it would leave.
func runOn(t *testing.T, root string, cases []string, sub string, mode Mode, overlay map[string][]byte, verify bool) map[string]map[string][]byte {
	t.Helper()
	var patterns []string
	for _, c := range cases {
		patterns = append(patterns, "./"+filepath.ToSlash(filepath.Join("testdata", "rewrite", c, sub)))
	}
	res, err := Run(Config{Dir: root, Patterns: patterns, Mode: mode, Overlay: overlay, Verify: verify})
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
		dir := filepath.Join(root, "testdata", "rewrite", c, sub)
		files := goFilesIn(t, dir)
		for name := range files {
			if b, ok := overlay[filepath.Join(dir, name)]; ok {
				files[name] = b
			}
		}
		out[c] = files
	}
	for _, ch := range res.Changes {
		c := filepath.Base(filepath.Dir(filepath.Dir(ch.Path)))
		out[c][filepath.Base(ch.Path)] = ch.New
	}
	return out
}

func TestGolden(t *testing.T) {
	root, cases := goldenCases(t)
	got := runOn(t, root, cases, "input", Instrument, nil, true)
	for _, c := range cases {
		goldenDir := filepath.Join(root, "testdata", "rewrite", c, "golden")
		if *update {
			os.MkdirAll(goldenDir, 0o755)
			for name, b := range got[c] {
				if err := os.WriteFile(filepath.Join(goldenDir, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			continue
		}
		want := goFilesIn(t, goldenDir)
		for name, b := range got[c] {
			if !bytes.Equal(b, want[name]) {
				t.Errorf("%s/%s: output differs from golden (run go test ./rewriter -run TestGolden -update):\n%s", c, name, lineDiff(want[name], b))
			}
		}
		if len(want) != len(got[c]) {
			t.Errorf("%s: golden has %d files, output %d", c, len(want), len(got[c]))
		}
	}
}

// TestIdempotent runs the tool on its own output: nothing may change.
func TestIdempotent(t *testing.T) {
	root, cases := goldenCases(t)
	got := runOn(t, root, cases, "golden", Instrument, nil, false)
	for _, c := range cases {
		want := goFilesIn(t, filepath.Join(root, "testdata", "rewrite", c, "golden"))
		for name, b := range got[c] {
			if !bytes.Equal(b, want[name]) {
				t.Errorf("%s/%s: second run changed the output:\n%s", c, name, lineDiff(want[name], b))
			}
		}
	}
}

// TestRemoveRestoresInput removes the instrumentation from every golden
// output: the result must be the input, byte for byte, except where the
// tool added context parameters, which stay: those cases keep the expected
// result in removed/.
func TestRemoveRestoresInput(t *testing.T) {
	root, cases := goldenCases(t)
	got := runOn(t, root, cases, "golden", Remove, nil, false)
	for _, c := range cases {
		dir := filepath.Join(root, "testdata", "rewrite", c, "input")
		if removed := filepath.Join(root, "testdata", "rewrite", c, "removed"); isDir(removed) {
			dir = removed
			if *update {
				for name, b := range got[c] {
					if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				continue
			}
		}
		want := goFilesIn(t, dir)
		for name, b := range got[c] {
			if !bytes.Equal(b, want[name]) {
				t.Errorf("%s/%s: -remove did not restore the input:\n%s", c, name, lineDiff(want[name], b))
			}
		}
	}
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// TestDirectiveEditUpdatesInPlace edits directives of instrumented code and
// expects exactly the injected lines that depend on them to change.
func TestDirectiveEditUpdatesInPlace(t *testing.T) {
	root := moduleRoot(t)
	path := filepath.Join(root, "testdata", "rewrite", "context", "golden", "svc.go")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
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
	got := runOn(t, root, []string{"context"}, "golden", Instrument, map[string][]byte{path: []byte(edited)}, false)
	want := strings.Replace(edited, `Start(ctx, "svc.unnamed")`, `StartFollowsFrom(ctx, "svc.renamed")`, 1)
	want = strings.Replace(want, `SetTag(span, "kind", "lookup")`, `SetTag(span, "kind", "get")`, 1)
	if want == edited {
		t.Fatal("expected injected lines not found in golden file")
	}
	if g := string(got["context"]["svc.go"]); g != want {
		t.Errorf("edited directives did not update in place:\n%s", lineDiff([]byte(want), []byte(g)))
	}
}

// TestGoldenBuildsAndBehaves vets every golden package and runs its
// behaviour tests (instrumented code against mocktracer), with one go
// command each for all cases. Every case has a differential test
// (differential_test.go, internal/difftest): its observations must be the
// same with the no-op tracer and with a recording tracer, and the same as
// those of the same test run against the uninstrumented code: the input, or
// removed/ where the tool adds context parameters (the input with them).
func TestGoldenBuildsAndBehaves(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the golden packages")
	}
	root, cases := goldenCases(t)
	var pkgs, inputs []string
	overlay := map[string]string{}
	for _, c := range cases {
		pkgs = append(pkgs, "./testdata/rewrite/"+c+"/golden")
		diffTest := filepath.Join(root, "testdata", "rewrite", c, "golden", "differential_test.go")
		b, err := os.ReadFile(diffTest)
		if err != nil || !bytes.Contains(b, []byte("difftest.Same(")) {
			t.Errorf("%s: golden/differential_test.go must observe the case with difftest.Same (no-op and recording tracer)", c)
			continue
		}
		// The uninstrumented code with the golden output's signatures: the
		// input, or, where the tool adds context parameters, what -remove
		// leaves (removed/).
		plain := "input"
		if isDir(filepath.Join(root, "testdata", "rewrite", c, "removed")) {
			plain = "removed"
		}
		inputs = append(inputs, "./testdata/rewrite/"+c+"/"+plain)
		overlay[filepath.Join(root, "testdata", "rewrite", c, plain, "differential_test.go")] = diffTest
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
		cmd.Dir = root
		cmd.Env = append(os.Environ(), run.env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("go %s: %v\n%s", strings.Join(run.args[:2], " "), err, out)
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
	root, err := filepath.Abs("..")
	if err != nil {
		b.Fatal(err)
	}
	dirs, _ := filepath.Glob(filepath.Join(root, "testdata", "rewrite", "*", "input"))
	var all, fast []string
	for _, d := range dirs {
		rel, _ := filepath.Rel(root, d)
		all = append(all, "./"+filepath.ToSlash(rel))
		if filepath.Base(filepath.Dir(d)) != "neither" {
			fast = append(fast, "./"+filepath.ToSlash(rel))
		}
	}
	for _, bc := range []struct {
		name     string
		patterns []string
	}{{"all", all}, {"no-neither", fast}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				res, err := Run(Config{Dir: root, Patterns: bc.patterns})
				if err != nil || len(res.Changes) == 0 {
					b.Fatalf("%v %v", err, res)
				}
			}
		})
	}
}

// TestUpgradeFromEarlierShapes runs the tool over code that earlier versions
// instrumented (the old/ directory of a case): -remove restores the input
// byte for byte, and a run brings it to the golden output, so that users
// who upgrade are not stuck with shapes the tool no longer writes.
func TestUpgradeFromEarlierShapes(t *testing.T) {
	root, all := goldenCases(t)
	var cases []string
	for _, c := range all {
		if isDir(filepath.Join(root, "testdata", "rewrite", c, "old")) {
			cases = append(cases, c)
		}
	}
	if len(cases) == 0 {
		t.Fatal("no case has an old/ directory")
	}
	// -check tells the user: every function in an earlier shape is stale.
	var patterns []string
	for _, c := range cases {
		patterns = append(patterns, "./testdata/rewrite/"+c+"/old")
	}
	res, err := Run(Config{Dir: root, Patterns: patterns, Mode: Instrument})
	if err != nil {
		t.Fatal(err)
	}
	stale := 0
	for _, d := range res.Diagnostics {
		if d.Kind == Stale {
			stale++
		}
	}
	if want := strings.Count(readAll(t, filepath.Join(root, "testdata", "rewrite", "upgrade", "old")), "//trace:begin"); stale != want {
		t.Errorf("-check reports %d stale functions in upgrade/old, want %d: %v", stale, want, res.Diagnostics)
	}
	for _, m := range []struct {
		mode Mode
		want string
	}{{Remove, "input"}, {Instrument, "golden"}} {
		got := runOn(t, root, cases, "old", m.mode, nil, false)
		for _, c := range cases {
			want := goFilesIn(t, filepath.Join(root, "testdata", "rewrite", c, m.want))
			for name, b := range got[c] {
				if !bytes.Equal(b, want[name]) {
					t.Errorf("%s/old/%s: the result is not %s/%s:\n%s", c, name, m.want, name, lineDiff(want[name], b))
				}
			}
		}
	}
}

// readAll concatenates the non-test Go files of dir.
func readAll(t *testing.T, dir string) string {
	var b strings.Builder
	for _, src := range goFilesIn(t, dir) {
		b.Write(src)
	}
	return b.String()
}
