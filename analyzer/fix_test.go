package analyzer_test

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/traceinject/traceinject/analyzer"
	"github.com/traceinject/traceinject/rewriter"
)

// TestInstrumentFixBuildsAndRuns applies the instrumentation fixes of
// package instr to a copy of the module, checks that they are byte for
// byte what traceinject writes into the same files, and then builds the
// fixed package and runs its spans against mocktracer.
func TestInstrumentFixBuildsAndRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds and runs the fixed package")
	}
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off")
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	results := analysistest.Run(t, dir, analyzer.Analyzer, "./instr")
	// One fix per file: every finding of a file carries the same one.
	fixed := map[string][]byte{}
	for _, r := range results {
		for _, d := range r.Diagnostics {
			for _, fix := range d.SuggestedFixes {
				if !strings.HasPrefix(fix.Message, "Instrument ") {
					continue
				}
				tf := r.Pass.Fset.File(fix.TextEdits[0].Pos)
				src, err := os.ReadFile(tf.Name())
				if err != nil {
					t.Fatal(err)
				}
				edits := fix.TextEdits
				sort.Slice(edits, func(i, j int) bool { return edits[i].Pos < edits[j].Pos })
				var b bytes.Buffer
				at := 0
				for _, e := range edits {
					b.Write(src[at:tf.Offset(e.Pos)])
					b.Write(e.NewText)
					at = tf.Offset(e.End)
				}
				b.Write(src[at:])
				name := filepath.Base(tf.Name())
				if prev, ok := fixed[name]; ok && !bytes.Equal(prev, b.Bytes()) {
					t.Fatalf("%s: two findings carry different fixes", name)
				}
				fixed[name] = b.Bytes()
			}
		}
	}
	var names []string
	for name := range fixed {
		names = append(names, name)
	}
	sort.Strings(names)
	if got := strings.Join(names, " "); got != "ctx.go gin.go stale.go unexported.go" {
		t.Fatalf("files with an instrumentation fix: %s, want ctx.go gin.go stale.go unexported.go (neither.go and caller.go are left to the command)", got)
	}

	// What traceinject writes, on one copy; the fixes, on another.
	cmdDir, fixDir := copyModule(t, dir), copyModule(t, dir)
	t.Chdir(cmdDir)
	var stderr bytes.Buffer
	if code := rewriter.Main([]string{"./instr"}, io.Discard, &stderr); code != 0 {
		t.Fatalf("traceinject ./instr: exit status %d\n%s", code, &stderr)
	}
	for _, name := range names {
		written, err := os.ReadFile(filepath.Join(cmdDir, "instr", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(written, fixed[name]) {
			t.Errorf("%s: the fix differs from what traceinject writes\n--- fix\n%s\n--- traceinject\n%s", name, fixed[name], written)
		}
		if err := os.WriteFile(filepath.Join(fixDir, "instr", name), fixed[name], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(fixDir, "instr", "spans_test.go"), []byte(spansTest), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "test", "-count=1", "./instr")
	cmd.Dir = fixDir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test on the fixed package: %v\n%s", err, out)
	}
}

// copyModule copies the module's go.mod, go.sum and package instr to a
// temporary directory, its relative replacements made absolute.
func copyModule(t *testing.T, dir string) string {
	t.Helper()
	to := t.TempDir()
	if err := os.MkdirAll(filepath.Join(to, "instr"), 0o755); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "instr", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append(files, filepath.Join(dir, "go.mod"), filepath.Join(dir, "go.sum")) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(f) == "go.mod" {
			b = bytes.ReplaceAll(b, []byte("=> ../../"), []byte("=> "+filepath.Dir(filepath.Dir(dir))+"/"))
		}
		rel, _ := filepath.Rel(dir, f)
		if err := os.WriteFile(filepath.Join(to, rel), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// spansTest runs the fixed functions under mocktracer.
const spansTest = `package instr

import (
	"context"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
)

func TestSpans(t *testing.T) {
	tr := mocktracer.New()
	opentracing.SetGlobalTracer(tr)
	ctx := context.Background()
	if s, err := Fetch(ctx, 7); s != "item" || err != nil {
		t.Fatalf("Fetch(7) = %q, %v", s, err)
	}
	if _, err := Fetch(ctx, -1); err == nil {
		t.Fatal("Fetch(-1): no error")
	}
	if err := Save(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if n := Count(ctx, 1); n != 2 {
		t.Fatalf("Count(1) = %d", n)
	}
	gin.SetMode(gin.TestMode)
	r := gin.New()
	r.GET("/hello/:who", Hello)
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/hello/you?token=x", nil))
	if w.Code != 200 || w.Body.String() != "hello" {
		t.Fatalf("GET /hello/you: %d %q", w.Code, w.Body.String())
	}

	spans := tr.FinishedSpans()
	var names []string
	for _, s := range spans {
		names = append(names, s.OperationName)
	}
	want := []string{"instr.twice", "instr.Fetch", "instr.Fetch", "instr.save", "instr.Save", "counting", "GET /hello/:who"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("spans %q, want %q", names, want)
	}
	if spans[0].ParentID != spans[1].SpanContext.SpanID {
		t.Errorf("twice, which got a context parameter, is not a child of Fetch")
	}
	if id := spans[1].Tag("id"); id != 7 {
		t.Errorf("Fetch(7): tag id = %v", id)
	}
	if e := spans[1].Tag("error"); e != nil {
		t.Errorf("Fetch(7): error tag %v", e)
	}
	if e := spans[2].Tag("error"); e != true {
		t.Errorf("Fetch(-1): error tag %v, want true", e)
	}
	if spans[3].ParentID != spans[4].SpanContext.SpanID {
		t.Errorf("save is not a child of Save")
	}
	if spans[4].ParentID != 0 {
		t.Errorf("Save has a parent: the context carried no span")
	}
	g := spans[6]
	if g.Tag("http.status_code") != uint16(200) && g.Tag("http.status_code") != 200 {
		t.Errorf("GET: http.status_code %v", g.Tag("http.status_code"))
	}
	if g.Tag("http.url") != "/hello/you" {
		t.Errorf("GET: http.url %v", g.Tag("http.url"))
	}
}
`
