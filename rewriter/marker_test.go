package rewriter

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/dave/dst"
	"github.com/dave/dst/decorator"

	"github.com/traceinject/traceinject/templates/inject"
)

// TestBeginMarkerVersion: the tool records its shape version in every begin
// marker it writes, reads markers written before versions were recorded, and
// refuses markers of a newer version.
func TestBeginMarkerVersion(t *testing.T) {
	line := (&funcEdit{results: "error", oneLine: true}).marker().String()
	if want := `//trace:begin v=1 results="error" body="oneline"`; inject.ShapeVersion == 1 && line != want {
		t.Errorf("marker = %s, want %s", line, want)
	}
	a, err := parseBegin(line)
	if err != nil || a.version != inject.ShapeVersion || a.results != "error" || !a.oneLine {
		t.Errorf("parseBegin(%s) = %+v, %v", line, a, err)
	}
	for _, text := range []string{`//trace:begin`, `//trace:begin results="error"`, `//trace:begin params="()" body="oneline"`} {
		a, err := parseBegin(text)
		if err != nil || a.version != 0 {
			t.Errorf("parseBegin(%s) (no version) = %+v, %v", text, a, err)
		}
	}
	for text, want := range map[string]string{
		`//trace:begin v=99 results="error"`: "written by a newer traceinject (shape version 99",
		`//trace:begin v=x`:                  "malformed marker",
		`//trace:begin v=0`:                  "malformed marker",
		`//trace:begin v= results="error"`:   "malformed marker",
	} {
		if _, err := parseBegin(text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseBegin(%s) = %v, want an error containing %q", text, err, want)
		}
	}
}

// TestBeginMarkerGrammar pins the rendering of every attribute (goldens and
// users' files hold these bytes) and the errors for malformed markers.
func TestBeginMarkerGrammar(t *testing.T) {
	for _, tc := range []struct {
		a    beginAttrs
		text string
	}{
		{beginAttrs{}, `//trace:begin`},
		{beginAttrs{version: 1}, `//trace:begin v=1`},
		{beginAttrs{version: 1, params: "(context.Context, int)"}, `//trace:begin v=1 params="(context.Context, int)"`},
		{beginAttrs{version: 1, params: "(_ context.Context)", results: "(int, error)", oneLine: true},
			`//trace:begin v=1 params="(_ context.Context)" results="(int, error)" body="oneline"`},
		{beginAttrs{version: 1, head: " // first\n\t", hasHead: true}, `//trace:begin v=1 head=" // first\n\t"`},
		{beginAttrs{version: 1, oneLine: true, hasHead: true}, `//trace:begin v=1 body="oneline" head=""`},
		{beginAttrs{results: "(s string, _ error)"}, `//trace:begin results="(s string, _ error)"`},
	} {
		if got := tc.a.String(); got != tc.text {
			t.Errorf("%+v renders as %s, want %s", tc.a, got, tc.text)
		}
		if got, err := parseBegin(tc.text); err != nil || got != tc.a {
			t.Errorf("parseBegin(%s) = %+v, %v; want %+v", tc.text, got, err, tc.a)
		}
	}
	for _, text := range []string{
		`//trace:begin results`,
		`//trace:begin results=error`,
		`//trace:begin results="error`,
		`//trace:begin color="red"`,
		`//trace:beginning`,
		`//trace:end`,
		``,
	} {
		if a, err := parseBegin(text); err == nil {
			t.Errorf("parseBegin(%q) = %+v, want an error", text, a)
		}
	}
	if !isMarker(`//trace:begin`) || !isMarker(`//trace:begin v=1`) || !isMarker(`//trace:end`) ||
		isMarker(`//trace:end x`) || isMarker(`//trace:beginning`) || isMarker(`// trace:begin`) {
		t.Error("isMarker disagrees with the grammar")
	}
}

// TestWithHead: head="..." is added to the rendered marker of a printed
// block, as the last attribute, and nothing else of the block changes.
func TestWithHead(t *testing.T) {
	block := "\n\t//trace:begin v=1 results=\"error\"\n\tctx, span := runtime.Start(ctx, \"p.F\")\n\t//trace:end"
	got := withHead(block, " // note\n\t")
	want := "\n\t//trace:begin v=1 results=\"error\" head=\" // note\\n\\t\"\n\tctx, span := runtime.Start(ctx, \"p.F\")\n\t//trace:end"
	if got != want {
		t.Errorf("withHead = %q, want %q", got, want)
	}
}

// TestMarkedBlocks: the block is found the same way in go/ast and in dst,
// and markers that do not form a block at the top of a body are stray.
func TestMarkedBlocks(t *testing.T) {
	const src = `package p

func f(ctx context.Context) (err error) {
	// kept
	//trace:begin v=1 results="error"
	ctx, span := runtime.Start(ctx, "p.f")
	defer span.End(&err)
	//trace:end
	g(ctx)
	return nil
}

func h() {
	x := 1
	//trace:end
	_ = x
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	fd := f.Decls[0].(*ast.FuncDecl)
	if !hasBeginMarker(f, fd.Body) || hasBeginMarker(f, f.Decls[1].(*ast.FuncDecl).Body) {
		t.Error("hasBeginMarker: want the first body only")
	}
	sd := &side{src: []byte(src), fset: fset, f: f}
	from, to, k, ok := sd.markers(fd.Body)
	if !ok || k != 2 || !strings.HasPrefix(sd.text(from, to), "\n\t//trace:begin") || !strings.HasSuffix(sd.text(from, to), "//trace:end") {
		t.Errorf("markers = %q, %d statements, %v", sd.text(from, to), k, ok)
	}
	if a, ok := sd.beginAttrs(fd.Body); !ok || a.results != "error" || a.version != 1 {
		t.Errorf("beginAttrs = %+v, %v", a, ok)
	}
	if pos, text := strayMarker(fset, f, []byte(src)); text != endMarker || fset.Position(pos).Line != 15 {
		t.Errorf("strayMarker = %s %q, want the //trace:end of h", fset.Position(pos), text)
	}

	df, err := decorator.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	body := df.Decls[0].(*dst.FuncDecl).Body
	a, block, ok, err := cutBlock(body)
	if err != nil || !ok || len(block) != 2 || a.results != "error" || len(body.List) != 2 {
		t.Fatalf("cutBlock = %+v, %d statements cut, %v, %v; %d left", a, len(block), ok, err, len(body.List))
	}
	if got := body.List[0].Decorations().Start.All(); len(got) != 1 || got[0] != "// kept" {
		t.Errorf("comments before the block: %q, want // kept on the first statement left", got)
	}
	if _, _, ok, _ := cutBlock(df.Decls[1].(*dst.FuncDecl).Body); ok {
		t.Error("cutBlock found a block in a body without a begin marker")
	}
}

// FuzzBeginMarker: every marker the tool can render parses back to the same
// attributes, and parsing any comment never panics.
func FuzzBeginMarker(f *testing.F) {
	f.Add(1, "(context.Context)", "(int, error)", true, "", false, `//trace:begin v=1 results="error"`)
	f.Add(0, "", "error", false, " // c\n\t", true, `//trace:begin params="(_ context.Context)" body="oneline" head=""`)
	f.Add(1, "\"`\\\x00\xff", "", false, "", true, `//trace:begin v=1 v=1 x`)
	f.Add(0, "", "", false, "", false, "//trace:begin\tv=1  params=\"\" ")
	f.Fuzz(func(t *testing.T, v int, params, results string, oneLine bool, head string, hasHead bool, text string) {
		parseBegin(text) // must not panic
		if v < 0 || v > inject.ShapeVersion {
			return
		}
		if !hasHead {
			head = ""
		}
		a := beginAttrs{version: v, params: params, results: results, oneLine: oneLine, head: head, hasHead: hasHead}
		line := a.String()
		if strings.ContainsAny(line, "\n\r") {
			t.Fatalf("%+v renders on several lines: %q", a, line)
		}
		got, err := parseBegin(line)
		if err != nil || got != a {
			t.Fatalf("parseBegin(%s) = %+v, %v; want %+v", line, got, err, a)
		}
		if !isMarker(line) {
			t.Fatalf("isMarker(%s) = false", line)
		}
	})
}
