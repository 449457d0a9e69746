package rewriter

import (
	"bytes"
	"go/format"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// Round-trip cases live in testdata/roundtrip/*.txtar, one package each:
//
//   - the archive's *.go files are the input, written to a fresh directory
//     of this module (so that they compile against the real runtime);
//   - want/NAME, when present, is the expected instrumented NAME;
//   - removed/NAME, when present, is what -remove leaves (default: the
//     input, byte for byte).
//
// -update rewrites the want/ and removed/ sections a case has.
//
// Every case must pass the round trip: the first run
// type-checks and is gofmt-clean where the input was; a second run and
// -check find nothing to do; -remove restores the input; instrumenting the
// removed source reproduces the first run. Inputs that a run must reject
// or report are diagnostic cases (testdata/diagnostics, TestDiagnostics).

func TestRoundTrip(t *testing.T) {
	names, err := filepath.Glob(filepath.Join("testdata", "roundtrip", "*.txtar"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no round-trip cases: %v", err)
	}
	root := moduleRoot(t)
	// All cases run together, each its own package: one load per stage.
	var dirs []string
	in := map[string][]byte{}
	want := map[string][]byte{}
	removed := map[string][]byte{}
	caseOf := map[string]string{}
	for _, name := range names {
		ar, err := txtar.ParseFile(name)
		if err != nil {
			t.Fatal(err)
		}
		dir := scratchPackage(t, root)
		caseOf[dir] = strings.TrimSuffix(filepath.Base(name), ".txtar")
		extra := map[string][]byte{}
		files := map[string][]byte{}
		for _, f := range ar.Files {
			if strings.Contains(f.Name, "/") {
				extra[f.Name] = f.Data
				continue
			}
			files[filepath.Join(dir, f.Name)] = f.Data
			if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		dirs = append(dirs, dir)
		for path, src := range files {
			in[path] = src
			removed[path] = src
			if b, ok := extra["want/"+filepath.Base(path)]; ok {
				want[path] = b
			}
			if b, ok := extra["removed/"+filepath.Base(path)]; ok {
				removed[path] = b
			}
		}
	}
	first, rm := checkRoundTrip(t, root, dirs, in, want, removed, func(path string) string {
		return caseOf[filepath.Dir(path)] + "/" + filepath.Base(path)
	})
	if *update && first != nil {
		// The want/ and removed/ sections a case has take the output.
		for i, name := range names {
			ar, err := txtar.ParseFile(name)
			if err != nil {
				t.Fatal(err)
			}
			for j, f := range ar.Files {
				sec, base, ok := strings.Cut(f.Name, "/")
				path := filepath.Join(dirs[i], base)
				if !ok || in[path] == nil {
					continue
				}
				switch sec {
				case "want":
					ar.Files[j].Data = first[path]
				case "removed":
					ar.Files[j].Data = rm[path]
				}
			}
			if err := os.WriteFile(name, txtar.Format(ar), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// scratchPackage is a new directory under the module's testdata, removed
// after the test.
func scratchPackage(t *testing.T, root string) string {
	t.Helper()
	dir, err := os.MkdirTemp(filepath.Join(root, "testdata"), "roundtrip-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func patternsOf(root string, dirs []string) []string {
	var ps []string
	for _, d := range dirs {
		rel, _ := filepath.Rel(root, d)
		ps = append(ps, "./"+filepath.ToSlash(rel))
	}
	return ps
}

// runFiles runs the tool with the given file contents as an overlay and
// returns every file's content afterwards, and the diagnostics.
func runFiles(t *testing.T, root string, dirs []string, mode runMode, files map[string][]byte, verify bool) (map[string][]byte, []Diagnostic) {
	t.Helper()
	res, err := runPipeline(config{Dir: root, Patterns: patternsOf(root, dirs), Mode: mode, Overlay: files, Verify: verify})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for k, v := range files {
		out[k] = v
	}
	for _, c := range res.Changes {
		out[c.Path] = c.New
	}
	return out, res.Diagnostics
}

// checkRoundTrip returns the first run's output and what -remove made of
// it (nil when the first run failed). Under -update, the output is not
// compared with want/ sections, nor -remove's with removed/ sections that
// differ from the input: TestRoundTrip rewrites them.
func checkRoundTrip(t *testing.T, root string, dirs []string, in, want, removed map[string][]byte, label func(string) string) (first, rm map[string][]byte) {
	t.Helper()
	fail := func(stage string, diags []Diagnostic, kinds ...Kind) bool {
		bad := false
		for _, d := range diags {
			for _, k := range kinds {
				if d.Kind == k {
					t.Errorf("%s: %s: %s", stage, label(d.Pos.Filename), d.Msg)
					bad = true
				}
			}
		}
		return bad
	}
	removedSet := map[string]bool{}
	for path := range in {
		if !bytes.Equal(in[path], removed[path]) {
			removedSet[path] = true
		}
	}
	first, diags := runFiles(t, root, dirs, modeInstrument, in, true)
	if fail("first run", diags, Error, Misplaced) {
		return nil, nil
	}
	for _, path := range sortedKeys(first) {
		out := first[path]
		if w, ok := want[path]; ok && !*update && !bytes.Equal(out, w) {
			t.Errorf("%s: first run differs from want/:\n%s", label(path), lineDiff(w, out))
		}
		if f, err := format.Source(in[path]); err == nil && bytes.Equal(f, in[path]) {
			if f, err := format.Source(out); err != nil || !bytes.Equal(f, out) {
				t.Errorf("%s: output is not gofmt-clean (%v):\n%s", label(path), err, lineDiff(f, out))
			}
		}
		// A case that expects removed/ has functions that get a
		// context parameter: their callers change.
		_, callers := removedSet[path]
		if msg := outsideChanges(path, in[path], out, callers); msg != "" {
			t.Errorf("%s: %s", label(path), msg)
		}
	}
	second, diags := runFiles(t, root, dirs, modeInstrument, first, false)
	fail("second run", diags, Error, Misplaced, Stale)
	for _, path := range sortedKeys(first) {
		if !bytes.Equal(second[path], first[path]) {
			t.Errorf("%s: second run changed the output:\n%s", label(path), lineDiff(first[path], second[path]))
		}
	}
	rm, diags = runFiles(t, root, dirs, modeRemove, first, false)
	fail("-remove", diags, Error)
	for _, path := range sortedKeys(first) {
		if !(*update && removedSet[path]) && !bytes.Equal(rm[path], removed[path]) {
			t.Errorf("%s: -remove did not restore the input:\n%s", label(path), lineDiff(removed[path], rm[path]))
		}
	}
	again, diags := runFiles(t, root, dirs, modeInstrument, rm, false)
	fail("run after -remove", diags, Error, Misplaced)
	for _, path := range sortedKeys(first) {
		if !bytes.Equal(again[path], first[path]) {
			t.Errorf("%s: instrumenting after -remove differs from the first run:\n%s", label(path), lineDiff(first[path], again[path]))
		}
	}
	return first, rm
}

func sortedKeys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
