package rewriter

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestPosMapInsideReplacement maps offsets inside a replacement: a token
// kept from the replaced text maps to where it was, also where the
// injected code spells the same identifier before it.
func TestPosMapInsideReplacement(t *testing.T) {
	cur := "func F(ctx context.Context) {\n" +
		"\t//trace:begin v=1 head=\"...\"\n" +
		"\tctx, span := runtime.Start(ctx, \"m.F\")\n" +
		"\tdefer span.End(nil)\n" +
		"\t//trace:end\n" +
		"\t//trace:span\n" +
		"\tctx = nil\n" +
		"}\n"
	from := strings.Index(cur, "{") + 1
	to := strings.Index(cur, "\tctx = nil")
	text := " // lead\n\t//trace:span\n\t"
	stripped := cur[:from] + text + cur[to:]
	m := &posMap{}
	m.add([]byte(cur), []textEdit{{from, to, text}})

	for _, x := range []string{"//trace:span", "span\n", "ctx = nil", "= nil", "}\n"} {
		want := strings.LastIndex(cur, x)
		at := strings.LastIndex(stripped, x)
		if got := m.back(at); got != want {
			t.Errorf("back(%q at %d) = %d, want %d", x, at, got, want)
		}
		if got := m.back(at + 2); got != want+2 {
			t.Errorf("back(inside %q) = %d, want %d", x, got, want+2)
		}
		if x != "span\n" {
			if got := m.forward(want, false); got != at {
				t.Errorf("forward(%q at %d) = %d, want %d", x, want, got, at)
			}
		}
	}
	// Written by the edit: the start of the replacement.
	if got := m.back(strings.Index(stripped, "// lead")); got != from {
		t.Errorf("back(// lead) = %d, want %d", got, from)
	}
	// A stretch that the replacement ends: its end is the replacement's.
	if got := m.forward(to, true); got != to-(to-from)+len(text) {
		t.Errorf("forward(end) = %d, want %d", got, from+len(text))
	}
	if got := m.forward(to, false); got != from+len(text) {
		t.Errorf("forward(start) = %d, want %d", got, from+len(text))
	}
}

// TestPosMapPasses composes passes and leaves text outside edits shifted.
func TestPosMapPasses(t *testing.T) {
	src := "aa bb cc dd"
	m := &posMap{}
	m.add([]byte(src), []textEdit{{3, 5, "xxxx"}}) // aa xxxx cc dd
	m.add([]byte("aa xxxx cc dd"), []textEdit{{0, 0, "zz "}})
	out := "zz aa xxxx cc dd"
	for _, x := range []string{"aa", "cc", "dd"} {
		if got, want := m.back(strings.Index(out, x)), strings.Index(src, x); got != want {
			t.Errorf("back(%s) = %d, want %d", x, got, want)
		}
		if got, want := m.forward(strings.Index(src, x), false), strings.Index(out, x); got != want {
			t.Errorf("forward(%s) = %d, want %d", x, got, want)
		}
	}
	// An insertion at a stretch's start is before it, at its end after it.
	if got := m.forward(0, false); got != 3 {
		t.Errorf("forward(0, start) = %d, want 3", got)
	}
	if got := m.forward(0, true); got != 0 {
		t.Errorf("forward(0, end) = %d, want 0", got)
	}
	var nilMap *posMap
	if nilMap.back(7) != 7 || nilMap.forward(7, true) != 7 {
		t.Error("a nil map is not the identity")
	}
}

// TestPosMapGoldens strips every instrumented file of the golden cases (the
// golden/ sections, and the old/ ones, in shapes of earlier versions) and
// maps every identifier of a function body and every comment of the
// stripped file back into the file: each must land on the same text there.
// The stripped file holds nothing but the user's tokens in bodies (the
// injected blocks are gone, threading undone), so any other answer is a
// position that would point at the wrong place.
func TestPosMapGoldens(t *testing.T) {
	g := goldenCases(t)
	var patterns []string
	for _, c := range g.names {
		for _, section := range []string{"golden", "old"} {
			if g.has(c, section) {
				patterns = append(patterns, g.pattern(c, section))
			}
		}
	}
	cfg := config{Dir: g.root, Patterns: patterns, Mode: modeInstrument}
	pkgs, err := loadTyped(cfg, nil, patterns)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, p := range pkgs {
		if len(p.Errors) > 0 {
			t.Fatalf("%s: %v", p.PkgPath, p.Errors)
		}
		var res runResult
		pr, err := stripPackage(cfg, p, &res)
		if err != nil || pr == nil {
			t.Fatalf("%s: %v %v", p.PkgPath, err, res.Diagnostics)
		}
		for _, fr := range pr.files {
			if fr.toStrip == nil {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, fr.name, fr.stripped, parser.ParseComments|parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			at := func(n ast.Node, text string) {
				off := fset.File(n.Pos()).Offset(n.Pos())
				back := fr.toStrip.back(off)
				checked++
				if back+len(text) > len(fr.current) || string(fr.current[back:back+len(text)]) != text {
					t.Errorf("%s: %q at %s maps to %s, which holds %q", filepath.Base(fr.name), text, fset.Position(n.Pos()), fr.position(off), fr.current[back:min(back+len(text), len(fr.current))])
				}
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if b, ok := n.(*ast.BlockStmt); ok {
					ast.Inspect(b, func(n ast.Node) bool {
						if id, ok := n.(*ast.Ident); ok {
							at(id, id.Name)
						}
						return true
					})
					return false
				}
				return true
			})
			for _, cg := range f.Comments {
				for _, c := range cg.List {
					at(c, c.Text)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no stripped file")
	}
}
