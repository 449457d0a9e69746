package rewriter

import (
	"bytes"
	"go/format"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dave/dst"
	"github.com/dave/dst/decorator"
	"github.com/dave/dst/decorator/resolver/goast"

	"github.com/traceinject/traceinject/templates/inject"
)

// TestShapes: for every shape the tool writes, instrumenting renders it,
// -remove recognises and removes it restoring the input byte for byte
// (keeping an added context parameter and its arguments), and
// instrumenting again renders the same. Each case names text the shape
// renders, so that a case whose shape went missing fails.
func TestShapes(t *testing.T) {
	const header = "package p\n\nimport (\n\t\"context\"\n\t\"net/http\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n\nvar _ = http.NewRequest\nvar _ *gin.Context\nvar _ context.Context\n\nfunc use(context.Context) {}\n\n"
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"context prologue", `//trace:span
func F(ctx context.Context, n int) error {
	use(ctx)
	return nil
}
`, []string{"//trace:begin v=1 results=\"error\"\n", "ctx, span := runtime.Start(ctx, \"p.F\")", "defer span.End(&err)", "//trace:end"}},
		{"context prologue, follows and tags", `//trace:span op follows tag.n=n tag.k="v"
func F(ctx context.Context, n int) {
	use(ctx)
}
`, []string{"runtime.StartFollowsFrom(ctx, \"op\")", "runtime.SetTag(span, \"n\", n)", "runtime.SetTag(span, \"k\", \"v\")", "defer span.End(nil)"}},
		{"gin prologue", `//trace:span
func H(c *gin.Context) {
	c.String(200, "ok")
}
`, []string{"span := tracegin.Start(c, \"p.H\")", "defer tracegin.End(c, span, nil)"}},
		{"gin prologue, named and follows", `//trace:span "GET /x" follows
func H(c *gin.Context) {
	c.String(200, "ok")
}
`, []string{"span := tracegin.StartNamedFollowsFrom(c, \"GET /x\")"}},
		{"function literal", `func F(ctx context.Context) {
	//trace:span
	go func(ctx context.Context) {
		use(ctx)
	}(ctx)
}
`, []string{"ctx, span := runtime.Start(ctx, \"p.F.func1\")"}},
		{"error result named", `//trace:span
func F(ctx context.Context) (int, error) {
	use(ctx)
	return 0, nil
}
`, []string{`results="(int, error)"`, "(_ int, err error)", "defer span.End(&err)"}},
		{"context parameter named", `//trace:span
func F(context.Context, int) {
}
`, []string{`params="(context.Context, int)"`, "(ctx context.Context, _ int)", "runtime.Start(ctx,"}},
		{"blank context parameter named", `//trace:span
func F(_ context.Context) {
}
`, []string{`params="(_ context.Context)"`, "(ctx context.Context)"}},
		{"one-line body", `//trace:span
func F(ctx context.Context) { use(ctx) }
`, []string{`body="oneline"`}},
		{"threading context.Background and TODO", `//trace:span
func F(ctx context.Context) {
	use(context.Background())
	use(context.TODO())
}
`, []string{"use(runtime.WithSpan(context.Background(), span))", "use(runtime.WithSpan(context.TODO(), span))"}},
		{"threading http.NewRequest", `//trace:span
func F(ctx context.Context) (*http.Request, error) {
	return http.NewRequest("GET", "/", nil)
}
`, []string{`http.NewRequestWithContext(runtime.Background(span), "GET", "/", nil)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := []byte(header + tc.src)
			if fs, err := format.Source(src); err != nil || !bytes.Equal(fs, src) {
				t.Fatalf("input is not gofmt-clean (%v):\n%s", err, lineDiff(src, fs))
			}
			first, _, ok := memRun(t, src, modeInstrument)
			if !ok {
				t.Fatalf("instrumenting failed:\n%s", src)
			}
			for _, w := range tc.want {
				if !bytes.Contains(first, []byte(w)) {
					t.Errorf("output lacks %q:\n%s", w, first)
				}
			}
			removed, _, ok := memRun(t, first, modeRemove)
			if !ok || !bytes.Equal(removed, src) {
				t.Fatalf("-remove (ok %v) did not restore the input:\n%s", ok, lineDiff(src, removed))
			}
			again, stale, ok := memRun(t, first, modeInstrument)
			if !ok || stale || !bytes.Equal(again, first) {
				t.Fatalf("a second run (ok %v, stale %v) changed the output:\n%s", ok, stale, lineDiff(first, again))
			}
		})
	}
	// An added context parameter and the arguments passed to it come from
	// the plan across callers: a whole run over a package of this module.
	// -remove keeps them (they are ordinary code once added), so what it
	// leaves is the input with them, and instrumenting that again renders
	// the same.
	t.Run("added parameter and argument", func(t *testing.T) {
		const in = `//trace:span
func F(n int) int {
	return n
}

//trace:span
func G(
	n int,
) {
}

func fromContext(ctx context.Context) int { return F(1) }

func fromGin(c *gin.Context) int { return F(2) }

func fromRequest(r *http.Request) int { return F(3) }

func fromNothing() {
	G(
		4,
	)
}
`
		const removed = `//trace:span
func F(ctx context.Context, n int) int {
	return n
}

//trace:span
func G(
	ctx context.Context,
	n int,
) {
}

func fromContext(ctx context.Context) int { return F(ctx, 1) }

func fromGin(c *gin.Context) int { return F(tracegin.RequestContext(c), 2) }

func fromRequest(r *http.Request) int { return F(r.Context(), 3) }

func fromNothing() {
	G(
		context.TODO(),
		4,
	)
}
`
		root := moduleRoot(t)
		dir := scratchPackage(t, root)
		path := filepath.Join(dir, "p.go")
		src := []byte(header + in)
		if err := os.WriteFile(path, src, 0o644); err != nil {
			t.Fatal(err)
		}
		want := []byte(strings.Replace(header, "\"github.com/gin-gonic/gin\"\n", "\"github.com/gin-gonic/gin\"\n\t\"github.com/traceinject/traceinject/runtime/tracegin\"\n", 1) + removed)
		first, _ := checkRoundTrip(t, root, []string{dir}, map[string][]byte{path: src}, nil, map[string][]byte{path: want},
			func(string) string { return "p.go" })
		for _, w := range []string{"func F(ctx context.Context, n int) int {\n\t//trace:begin", "ctx, span := runtime.Start(ctx, \"p.F\")"} {
			if !bytes.Contains(first[path], []byte(w)) {
				t.Errorf("output lacks %q:\n%s", w, first[path])
			}
		}
	})
}

// TestPrologueRecognised: every variant of both prologue templates, rendered
// with any names, is recognised with those names (the error result's from
// its last statement), and nothing else is.
func TestPrologueRecognised(t *testing.T) {
	for _, gin := range []bool{false, true} {
		for _, named := range []bool{false, true} {
			for _, follows := range []bool{false, true} {
				shape, d := inject.Context, inject.Data{Span: "traceSpan", Name: "p.F", Named: named, Follows: follows, Ctx: "c2", Err: "err",
					Tags: []inject.Tag{{Key: "k", Expr: "x.y"}}}
				if gin {
					shape, d.Ctx, d.Gin = inject.Gin, "", "c2"
				}
				stmts, err := inject.Shapes.Render(shape, d)
				if err != nil {
					t.Fatal(err)
				}
				span, isGin, carrier, ok := prologueVars(stmts[0])
				if !ok || span != "traceSpan" || isGin != gin || carrier != "c2" {
					t.Errorf("%s named=%v follows=%v: prologueVars = %s, %v, %s, %v", shape, named, follows, span, isGin, carrier, ok)
				}
				for _, s := range stmts[1:] {
					if _, _, _, ok := prologueVars(s); ok {
						t.Errorf("%s: a later statement of the prologue is taken for its first", shape)
					}
				}
				if got := prologueErr(stmts[len(stmts)-1]); got != "err" {
					t.Errorf("%s named=%v follows=%v: prologueErr = %q, want err", shape, named, follows, got)
				}
				d.Err = ""
				if stmts, err = inject.Shapes.Render(shape, d); err != nil || prologueErr(stmts[len(stmts)-1]) != "" {
					t.Errorf("%s named=%v follows=%v without an error result: prologueErr = %q (%v)", shape, named, follows, prologueErr(stmts[len(stmts)-1]), err)
				}
			}
		}
	}
	for src, want := range map[string]bool{
		`ctx, span := runtime.Start(other, "p.F")`:   false, // the context reassigned is not the one passed
		`ctx, span := runtime.Finish(ctx, "p.F")`:    false, // not a start
		`ctx, span := strings.Cut(ctx, "p.F")`:       false, // not the runtime
		`span := tracegin.Start(c, "p.F", extra)`:    false, // another signature
		`ctx, span = runtime.Start(ctx, "p.F")`:      false, // not a declaration
		`ctx, span := runtime.Start(ctx(), "p.F")`:   false, // not a variable
		`ctx, span, x := runtime.Start(ctx, "p.F")`:  false, // three results
		`ctx, span := runtime.WithSpan(ctx, "p.F")`:  false, // another runtime function
		`span := tracegin.StartNamed(c.Ctx, "p.F")`:  false, // not a variable
		`span := tracegin.StartFollowsFrom(c, name)`: true,  // any operation name
	} {
		if _, _, _, ok := prologueVars(parseStmt(t, src)); ok != want {
			t.Errorf("prologueVars(%s) = %v, want %v", src, ok, want)
		}
	}
}

// TestThreadingRecognised: each threading shape is recognised exactly as
// rendered, for its span variable only.
func TestThreadingRecognised(t *testing.T) {
	x := parseExpr(t, "context.TODO()")
	w := withSpan(x, "span")
	if got, ok := isWithSpan(w, "span"); !ok || got != x {
		t.Errorf("isWithSpan(withSpan(x)) = %v, %v", got, ok)
	}
	if _, ok := isWithSpan(w, "traceSpan"); ok {
		t.Error("isWithSpan matched another span variable")
	}
	for _, src := range []string{"runtime.WithSpan(x)", "runtime.WithSpan(x, span, y)", "runtime.WithSpan(x, span())", "fmt.WithSpan(x, span)"} {
		if _, ok := isWithSpan(parseExpr(t, src), "span"); ok {
			t.Errorf("isWithSpan(%s) = true", src)
		}
	}
	call := parseExpr(t, `http.NewRequest("GET", u, nil)`).(*dst.CallExpr)
	threadNewRequest(call, "span")
	if got := printExpr(t, call); got != `http.NewRequestWithContext(runtime.Background(span), "GET", u, nil)` {
		t.Errorf("threadNewRequest = %s", got)
	}
	unthreadNewRequest(call, "s", false, "ctx")
	if got := printExpr(t, call); got == `http.NewRequest("GET", u, nil)` {
		t.Error("unthreadNewRequest undid the shape of another span variable")
	}
	unthreadNewRequest(call, "span", false, "ctx")
	if got := printExpr(t, call); got != `http.NewRequest("GET", u, nil)` {
		t.Errorf("unthreadNewRequest = %s", got)
	}
	for _, src := range []string{
		`http.NewRequestWithContext(runtime.Background(s), "GET", u, nil)`,       // another span variable
		`http.NewRequestWithContext(runtime.Background(span, 1), "GET", u, nil)`, // another call
		`http.NewRequestWithContext(runtime.WithSpan(x, span), "GET", u, nil)`,   // not the context earlier versions gave it
		`http.NewRequestWithContext(context.Background(), "GET", u, nil)`,        // the user's own
		`fmt.NewRequestWithContext(runtime.Background(span), "GET", u, nil)`,     // not net/http
	} {
		call := parseExpr(t, src).(*dst.CallExpr)
		unthreadNewRequest(call, "span", false, "ctx")
		if got := printExpr(t, call); got != src {
			t.Errorf("unthreadNewRequest(%s) = %s", src, got)
		}
	}
	// What earlier versions wrote.
	for src, carrier := range map[string]string{
		`http.NewRequestWithContext(runtime.WithSpan(ctx, span), "GET", u, nil)`:                 "ctx",
		`http.NewRequestWithContext(runtime.WithSpan(c.Request.Context(), span), "GET", u, nil)`: "c",
	} {
		call := parseExpr(t, src).(*dst.CallExpr)
		unthreadNewRequest(call, "span", carrier == "c", carrier)
		if got := printExpr(t, call); got != `http.NewRequest("GET", u, nil)` {
			t.Errorf("unthreadNewRequest(%s) = %s", src, got)
		}
	}
	// The added argument's renderings; -remove keeps them.
	for arg, want := range map[ctxArg]string{
		{kind: argVar, name: "ctx"}:  "ctx",
		{kind: argGin, name: "c"}:    "tracegin.RequestContext(c)",
		{kind: argMethod, name: "r"}: "r.Context()",
		{kind: argTODO}:              "context.TODO()",
	} {
		if got := printExpr(t, contextArg(arg)); got != want {
			t.Errorf("contextArg(%v) = %s, want %s", arg, got, want)
		}
	}
}

const shapeImports = "import (\n\t\"context\"\n\t\"fmt\"\n\t\"net/http\"\n\t\"strings\"\n\n\t\"github.com/traceinject/traceinject/runtime\"\n\t\"github.com/traceinject/traceinject/runtime/tracegin\"\n)\n\nvar _, _, _, _ = context.TODO, fmt.Sprint, http.NewRequest, strings.Cut\nvar _, _ = runtime.Start, tracegin.Start\n"

func parseStmt(t *testing.T, src string) dst.Stmt {
	t.Helper()
	dec := decorator.NewDecoratorWithImports(token.NewFileSet(), "p", goast.New())
	f, err := dec.Parse("package p\n\n" + shapeImports + "\nfunc _() {\n" + src + "\n}\n")
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return f.Decls[len(f.Decls)-1].(*dst.FuncDecl).Body.List[0]
}

func parseExpr(t *testing.T, src string) dst.Expr {
	t.Helper()
	return parseStmt(t, "_ = "+src).(*dst.AssignStmt).Rhs[0]
}

func printExpr(t *testing.T, x dst.Expr) string {
	t.Helper()
	f := &dst.File{Name: dst.NewIdent("p"), Decls: []dst.Decl{&dst.GenDecl{Tok: token.VAR, Specs: []dst.Spec{
		&dst.ValueSpec{Names: []*dst.Ident{dst.NewIdent("_")}, Values: []dst.Expr{dst.Clone(x).(dst.Expr)}}}}}}
	var b bytes.Buffer
	r := decorator.NewRestorerWithImports("p", nameResolver{"context": "context", "fmt": "fmt", "net/http": "http", inject.RuntimePath: "runtime", inject.TraceginPath: "tracegin"})
	if err := r.Fprint(&b, f); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	i := strings.Index(out, "var _ = ")
	if i < 0 {
		t.Fatalf("printed: %s", out)
	}
	return strings.TrimSpace(out[i+len("var _ = "):])
}

// TestEditedTemplates: an edit to a template's text reaches both what the
// tool writes and what -remove and staleness recognise, one template at a
// time. Each edit puts in parentheses (or a comment) that the tool's own
// templates do not write: instrumenting writes them, -remove of the result restores the
// input and a second run changes nothing; with the tool's own templates,
// -remove of the same result does not restore the input (the
// recogniser does follow the template). The added parameter and argument
// are kept by -remove: their edit shows in what the tool writes.
func TestEditedTemplates(t *testing.T) {
	own := shapes()
	dir := filepath.Join(moduleRoot(t), "templates", "inject")
	edited := func(t *testing.T, edits map[string][2]string) *shapeSet {
		t.Helper()
		files := fstest.MapFS{}
		names, err := filepath.Glob(filepath.Join(dir, "*.tmpl"))
		if err != nil || len(names) == 0 {
			t.Fatalf("no templates in %s: %v", dir, err)
		}
		for _, name := range names {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if e, ok := edits[filepath.Base(name)]; ok {
				if !bytes.Contains(b, []byte(e[0])) {
					t.Fatalf("%s does not contain %q", name, e[0])
				}
				b = bytes.Replace(b, []byte(e[0]), []byte(e[1]), 1)
			}
			files[filepath.Base(name)] = &fstest.MapFile{Data: b}
		}
		ts, err := inject.Parse(files)
		if err != nil {
			t.Fatal(err)
		}
		s, err := newShapeSet(ts)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// use swaps in s for the rest of the test. TestEditedTemplates does
	// not run in parallel, so no other test sees it.
	use := func(t *testing.T, s *shapeSet) {
		own := shapes
		shapes = func() *shapeSet { return s }
		t.Cleanup(func() { shapes = own })
	}

	const header = "package p\n\nimport (\n\t\"context\"\n\t\"net/http\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n\nfunc use(context.Context) {}\n\n"
	src := []byte(header + `//trace:span
func F(ctx context.Context) (*http.Request, error) {
	use(context.TODO())
	return http.NewRequest("GET", "/", nil)
}

//trace:span
func H(c *gin.Context) {
	c.String(200, "ok")
}
`)
	for _, tc := range []struct {
		file, old, new, want string
	}{
		{"context.tmpl", "({{.Ctx}}, {{quote .Name}})", "(({{.Ctx}}), {{quote .Name}})", `ctx, span := runtime.Start((ctx), "p.F")`},
		{"gin.tmpl", "({{.Gin}}, {{quote .Name}})", "(({{.Gin}}), {{quote .Name}})", `span := tracegin.Start((c), "p.H")`},
		{"withspan.tmpl", "({{.X}}, {{.Span}})", "(({{.X}}), {{.Span}})", `use(runtime.WithSpan((context.TODO()), span))`},
		{"newrequest.tmpl", "Background({{.Span}})", "Background(({{.Span}}))", `http.NewRequestWithContext(runtime.Background((span)), "GET", "/", nil)`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			use(t, edited(t, map[string][2]string{tc.file: {tc.old, tc.new}}))
			first, _, ok := memRun(t, src, modeInstrument)
			if !ok || !bytes.Contains(first, []byte(tc.want)) {
				t.Fatalf("instrumenting (ok %v) did not write %q:\n%s", ok, tc.want, first)
			}
			if removed, _, ok := memRun(t, first, modeRemove); !ok || !bytes.Equal(removed, src) {
				t.Errorf("-remove (ok %v) did not restore the input:\n%s", ok, lineDiff(src, removed))
			}
			if again, stale, ok := memRun(t, first, modeInstrument); !ok || stale || !bytes.Equal(again, first) {
				t.Errorf("a second run (ok %v, stale %v) changed the output:\n%s", ok, stale, lineDiff(first, again))
			}
			use(t, own)
			if removed, _, ok := memRun(t, first, modeRemove); ok && bytes.Equal(removed, src) {
				t.Error("the tool's own templates recognise the edited shape too: the test shows nothing")
			}
		})
	}

	t.Run("param.tmpl and arg.tmpl", func(t *testing.T) {
		use(t, edited(t, map[string][2]string{
			"param.tmpl": {"{{.Ctx}} __context.Context", "{{.Ctx}} /* added */ __context.Context"},
			"arg.tmpl":   {"__context.TODO()", "(__context.TODO())"},
		}))
		root := moduleRoot(t)
		path := filepath.Join(scratchPackage(t, root), "p.go")
		in := []byte("package p\n\n" + `//trace:span
func F(n int) int {
	return n
}

func fromNothing() int { return F(1) }
`)
		if err := os.WriteFile(path, in, 0o644); err != nil {
			t.Fatal(err)
		}
		out, diags := runFiles(t, root, []string{filepath.Dir(path)}, modeInstrument, map[string][]byte{path: in}, false)
		for _, d := range diags {
			if d.Kind == Error {
				t.Fatal(d)
			}
		}
		for _, want := range []string{"func F(ctx /* added */ context.Context, n int) int {", "return F((context.TODO()), 1)"} {
			if !bytes.Contains(out[path], []byte(want)) {
				t.Errorf("instrumenting did not write %q:\n%s", want, out[path])
			}
		}
	})
}

// TestEditedSignature: a parameter or result list the tool named, then
// changed by the user, is not the list the begin marker records with the
// names the tool gives: -remove and staleness keep the user's list (the
// names stay, as ordinary code) instead of putting back the recorded one,
// which would undo the user's change and no longer compile.
func TestEditedSignature(t *testing.T) {
	const header = "package p\n\nimport (\n\t\"context\"\n\n\t\"github.com/traceinject/traceinject/runtime\"\n)\n\n"
	for _, tc := range []struct{ name, src, removed, again string }{
		{"result added", `//trace:span
func F(ctx context.Context) (_ int, _ string, err error) {
	//trace:begin v=1 results="(int, error)"
	ctx, span := runtime.Start(ctx, "p.F")
	defer span.End(&err)
	//trace:end
	return 0, "", nil
}
`, `func F(ctx context.Context) (_ int, _ string, err error) {
	return 0, "", nil
}
`, `func F(ctx context.Context) (_ int, _ string, err error) {
	//trace:begin v=1
`},
		{"parameter added", `//trace:span
func F(ctx context.Context, _ int, s string) {
	//trace:begin v=1 params="(context.Context, int)"
	ctx, span := runtime.Start(ctx, "p.F")
	defer span.End(nil)
	//trace:end
	_ = s
}
`, `func F(ctx context.Context, _ int, s string) {
	_ = s
}
`, `func F(ctx context.Context, _ int, s string) {
	//trace:begin v=1
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := []byte(header + tc.src)
			removed, _, ok := memRun(t, src, modeRemove)
			if !ok || !bytes.Contains(removed, []byte(tc.removed)) {
				t.Errorf("-remove (ok %v) did not keep the user's list:\n%s", ok, removed)
			}
			again, stale, ok := memRun(t, src, modeInstrument)
			if !ok || !stale || !bytes.Contains(again, []byte(tc.again)) {
				t.Errorf("a run (ok %v, stale %v) did not keep the user's list:\n%s", ok, stale, again)
			}
		})
	}
}

// TestNamedFrom: the names renameFields gives are recognised on the
// recorded lists, whatever the types' spelling, and a list changed in any
// other way is not.
func TestNamedFrom(t *testing.T) {
	for _, tc := range []struct {
		recorded, now string
		results       bool
		name          string
		want          bool
	}{
		{"(context.Context, int)", "(ctx context.Context, _ int)", false, "ctx", true},
		{"(int, context.Context)", "(_ int, ctx context.Context)", false, "ctx", true},
		{"(int, Context)", "(_ int, c Context)", false, "c", true}, // a dot import
		{"(_ *gin.Context, n int)", "(c *gin.Context, n int)", false, "c", true},
		{"(context.Context,\n\tint,\n)", "(ctx context.Context,\n\t_ int,\n)", false, "ctx", true},
		{"(context.Context, int)", "(ctx context.Context, n int)", false, "ctx", false}, // the user named it
		{"(context.Context, int)", "(c context.Context, _ int)", false, "ctx", false},   // not the carrier
		{"(context.Context, int)", "(ctx context.Context, _ int, s string)", false, "ctx", false},
		{"(context.Context, int)", "(ctx context.Context, _ int64)", false, "ctx", false},
		{"error", "(err error)", true, "err", true},
		{"(int, error)", "(_ int, err error)", true, "err", true},
		{"(n int, _ error)", "(n int, err error)", true, "err", true},
		{"(int, error)", "(_ int, _ string, err error)", true, "err", false},
		{"(int, error)", "(n int, err error)", true, "err", false},
		{"(error, error)", "(err error, _ error)", true, "err", false}, // the last result is the error
		{"error", "(err error)", true, "", false},
	} {
		if got := namedFrom(tc.recorded, tc.now, tc.results, tc.name); got != tc.want {
			t.Errorf("namedFrom(%q, %q, results %v, %q) = %v, want %v", tc.recorded, tc.now, tc.results, tc.name, got, tc.want)
		}
	}
}
