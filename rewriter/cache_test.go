package rewriter

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// cacheModule writes files (name -> content) into dir.
func cacheModule(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, src := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// cacheEntries lists the entries of the result cache in dir.
func cacheEntries(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	subs, _ := os.ReadDir(dir)
	for _, s := range subs {
		if !s.IsDir() {
			continue
		}
		ents, err := os.ReadDir(filepath.Join(dir, s.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			out = append(out, filepath.Join(dir, s.Name(), e.Name()))
		}
	}
	slices.Sort(out)
	return out
}

// checkRun runs as -check does, with the result cache in cache, and returns
// the diagnostics.
func checkRun(t *testing.T, dir, cache string) []string {
	t.Helper()
	res, err := runPipeline(config{Dir: dir, Patterns: []string{"./..."}, cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range res.Diagnostics {
		out = append(out, strings.TrimPrefix(d.String(), dir+string(filepath.Separator)))
	}
	return out
}

// TestResultCacheHit: a second run over the same files takes each package's
// result from the cache (a doctored entry shows it), and an edit of the
// package's own file does not.
func TestResultCacheHit(t *testing.T) {
	t.Parallel()
	dir, cache := t.TempDir(), t.TempDir()
	cacheModule(t, dir, map[string]string{
		"go.mod": "module example.com/m\n\ngo 1.24\n",
		"a/a.go": "package a\n\nimport \"context\"\n\n//trace:span\nfunc H(ctx context.Context) error { return ctx.Err() }\n",
	})
	want := []string{"a/a.go:5:1: H: not instrumented (run traceinject)"}
	if got := checkRun(t, dir, cache); !slices.Equal(got, want) {
		t.Fatalf("first run: %q, want %q", got, want)
	}
	entries := cacheEntries(t, cache)
	if len(entries) != 1 {
		t.Fatalf("cache holds %d entries, want 1 (package a)", len(entries))
	}
	b, err := os.ReadFile(entries[0])
	if err != nil {
		t.Fatal(err)
	}
	doctored := strings.Replace(string(b), "not instrumented", "FROM THE CACHE", 1)
	if err := os.WriteFile(entries[0], []byte(doctored), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := checkRun(t, dir, cache); !slices.Equal(got, []string{"a/a.go:5:1: H: FROM THE CACHE (run traceinject)"}) {
		t.Fatalf("second run did not take the cached result: %q", got)
	}
	// The same run without a cache computes it.
	if got := checkRun(t, dir, ""); !slices.Equal(got, want) {
		t.Fatalf("run without cache: %q, want %q", got, want)
	}
	// A new line before the function moves its diagnostic.
	cacheModule(t, dir, map[string]string{
		"a/a.go": "package a\n\nimport \"context\"\n\n\n//trace:span\nfunc H(ctx context.Context) error { return ctx.Err() }\n",
	})
	if got := checkRun(t, dir, cache); !slices.Equal(got, []string{"a/a.go:6:1: H: not instrumented (run traceinject)"}) {
		t.Fatalf("after an edit: %q", got)
	}
}

// TestResultCacheInvalidation: what a package becomes depends on the
// packages it imports; a change there must not be answered from the cache.
func TestResultCacheInvalidation(t *testing.T) {
	t.Parallel()
	t.Run("callee directive", func(t *testing.T) {
		t.Parallel()
		dir, cache := t.TempDir(), t.TempDir()
		// a's annotated function calls b.G, which has no context.
		cacheModule(t, dir, map[string]string{
			"go.mod": "module example.com/m\n\ngo 1.24\n",
			"a/a.go": "package a\n\nimport (\n\t\"context\"\n\n\t\"example.com/m/b\"\n)\n\n//trace:span\nfunc H(ctx context.Context) { b.G() }\n",
			"b/b.go": "package b\n\n// G does nothing.\nfunc G() {}\n",
		})
		want := []string{"a/a.go:9:1: H: not instrumented (run traceinject)"}
		for range 2 {
			if got := checkRun(t, dir, cache); !slices.Equal(got, want) {
				t.Fatalf("got %q, want %q", got, want)
			}
		}
		// G gets a directive, and with it a context parameter that a's
		// call must pass.
		cacheModule(t, dir, map[string]string{"b/b.go": "package b\n\n// G does nothing.\n//\n//trace:span\nfunc G() {}\n"})
		got := checkRun(t, dir, cache)
		if !slices.ContainsFunc(got, func(s string) bool {
			return strings.HasPrefix(s, "a/a.go:10:") && strings.Contains(s, "call of b.G must pass a context")
		}) {
			t.Fatalf("a's call of b.G is not reported after G got a directive: %q", got)
		}
	})
	t.Run("dependency signature", func(t *testing.T) {
		t.Parallel()
		dir, cache := t.TempDir(), t.TempDir()
		// H's parameter is a context.Context through b's alias.
		cacheModule(t, dir, map[string]string{
			"go.mod": "module example.com/m\n\ngo 1.24\n",
			"a/a.go": "package a\n\nimport \"example.com/m/b\"\n\n//trace:span\nfunc H(v b.V) {}\n",
			"b/b.go": "package b\n\nimport \"context\"\n\n// V is a context.\ntype V = context.Context\n",
		})
		want := []string{"a/a.go:5:1: H: not instrumented (run traceinject)"}
		for range 2 {
			if got := checkRun(t, dir, cache); !slices.Equal(got, want) {
				t.Fatalf("got %q, want %q", got, want)
			}
		}
		// V stops being a context: H gets a context parameter.
		cacheModule(t, dir, map[string]string{"b/b.go": "package b\n\n// V is a number.\ntype V = int\n"})
		want = []string{"a/a.go:5:1: H: not instrumented; it has no context.Context parameter and gets one (run traceinject)"}
		if got := checkRun(t, dir, cache); !slices.Equal(got, want) {
			t.Fatalf("after b.V changed: %q, want %q", got, want)
		}
	})
}

// TestResultCacheToolVersion: another build of the tool keys its results
// apart. Not parallel: it changes the tool's ID.
func TestResultCacheToolVersion(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	cacheModule(t, dir, map[string]string{
		"go.mod": "module example.com/m\n\ngo 1.24\n",
		"a/a.go": "package a\n\nimport \"context\"\n\n//trace:span\nfunc H(ctx context.Context) {}\n",
	})
	checkRun(t, dir, cache)
	first := cacheEntries(t, cache)
	checkRun(t, dir, cache)
	if again := cacheEntries(t, cache); !slices.Equal(again, first) {
		t.Fatalf("the same tool made new entries: %q, then %q", first, again)
	}
	// Another build of the tool keys its results apart.
	tool := toolID()
	toolBuID = tool + " (another build)"
	defer func() { toolBuID = tool }()
	checkRun(t, dir, cache)
	if other := cacheEntries(t, cache); len(other) != len(first)+1 {
		t.Fatalf("another tool build reused the entries: %q, then %q", first, other)
	}
}

// TestToolID: the test binary, like the command, carries a Go build ID,
// which keys the cache without hashing the executable.
func TestToolID(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	id := elfBuildID(f)
	if id == "" {
		b := make([]byte, 64<<10)
		n, _ := f.ReadAt(b, 0)
		id = goBuildID(b[:n])
	}
	if id == "" || strings.Count(id, "/") < 1 {
		t.Fatalf("no Go build ID in %s: %q", exe, id)
	}
	if got := toolID(); !strings.HasSuffix(got, " "+id) {
		t.Errorf("toolID() = %q, want the build ID %q", got, id)
	}
}
