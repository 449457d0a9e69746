package rewriter

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"
)

// Import declarations are edited in the user's bytes, one spec line at a
// time, never reprinted: the tool adds the imports its code needs and, on
// removal, deletes the ones nothing uses any more. Each addition has exactly
// one deletion that undoes it, so that -remove restores the block byte for
// byte:
//
//   - into the first parenthesized import declaration: sorted into the
//     first group of standard imports (or a new first group) for a standard
//     path, into the first group with a non-standard import (or a new last
//     group) for any other;
//   - without a parenthesized declaration, as a new declaration after the
//     last one (after the package clause when there is none), so that
//     import "x" stays as it was written;
//   - a blank (_) or dot import of the same path is the user's and stays;
//     the tool adds its own named import next to it.

// importSpec is an import the tool's code needs.
type importSpec struct {
	path, name string // name "" = the package's own name
}

func (is importSpec) text() string {
	if is.name != "" {
		return is.name + " " + strconv.Quote(is.path)
	}
	return strconv.Quote(is.path)
}

func isStdPath(path string) bool { return !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") }

func specPath(s ast.Spec) string {
	p, _ := strconv.Unquote(s.(*ast.ImportSpec).Path.Value)
	return p
}

func specName(s ast.Spec) string {
	if n := s.(*ast.ImportSpec).Name; n != nil {
		return n.Name
	}
	return ""
}

// lineStart and lineEnd are the offsets of the start of the line holding
// off and of the line break ending it.
func lineStart(src []byte, off int) int { return bytes.LastIndexByte(src[:off], '\n') + 1 }

func lineEnd(src []byte, off int) int {
	if i := bytes.IndexByte(src[off:], '\n'); i >= 0 {
		return off + i
	}
	return len(src)
}

// importDecls are the file's import declarations but a lone import "C".
func importDecls(f *ast.File) []*ast.GenDecl {
	var out []*ast.GenDecl
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.IMPORT {
			continue
		}
		if len(g.Specs) == 1 && specPath(g.Specs[0]) == "C" {
			continue
		}
		out = append(out, g)
	}
	return out
}

// groups splits the specs of a parenthesized declaration at empty lines.
func (sd *side) groups(g *ast.GenDecl) [][]ast.Spec {
	var out [][]ast.Spec
	for i, s := range g.Specs {
		if i == 0 || sd.emptyLineBetween(g.Specs[i-1], s) {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], s)
	}
	return out
}

// specStart is the offset of the start of the line where s, with the
// comment above it, begins.
func (sd *side) specStart(s ast.Spec) int {
	p := s.Pos()
	if d := s.(*ast.ImportSpec).Doc; d != nil {
		p = d.Pos()
	}
	return lineStart(sd.src, sd.off(p))
}

func (sd *side) emptyLineBetween(a, b ast.Spec) bool {
	between := string(sd.src[lineEnd(sd.src, sd.off(a.End())):sd.specStart(b)])
	lines := strings.Split(strings.TrimPrefix(between, "\n"), "\n")
	for _, l := range lines[:len(lines)-1] {
		if strings.TrimSpace(l) == "" {
			return true
		}
	}
	return false
}

// addImports returns the edits that add specs to the file.
func (sd *side) addImports(add []importSpec) []textEdit {
	if len(add) == 0 {
		return nil
	}
	decls := importDecls(sd.f)
	var block *ast.GenDecl
	for _, g := range decls {
		if g.Lparen.IsValid() {
			block = g
			break
		}
	}
	if block == nil || len(block.Specs) == 0 {
		// A new declaration, standard imports first.
		sort.SliceStable(add, func(i, j int) bool { return isStdPath(add[i].path) && !isStdPath(add[j].path) })
		var text string
		if len(add) == 1 {
			text = "import " + add[0].text()
		} else {
			text = "import ("
			for i, is := range add {
				if i > 0 && isStdPath(add[i-1].path) && !isStdPath(is.path) {
					text += "\n"
				}
				text += "\n\t" + is.text()
			}
			text += "\n)"
		}
		at := lineEnd(sd.src, sd.off(sd.f.Name.End()))
		if n := len(decls); n > 0 {
			at = lineEnd(sd.src, sd.off(decls[n-1].End()))
		}
		if block != nil {
			// import (): fill it.
			at = sd.off(block.Lparen) + 1
			return []textEdit{{at, sd.off(block.Rparen), strings.TrimSuffix(strings.TrimPrefix(text, "import ("), ")")}}
		}
		return []textEdit{{at, at, "\n\n" + text}}
	}
	var edits []textEdit
	groups := sd.groups(block)
	for _, is := range add {
		std := isStdPath(is.path)
		var group []ast.Spec
		for _, g := range groups {
			all, any := true, false
			for _, s := range g {
				all = all && isStdPath(specPath(s))
				any = any || !isStdPath(specPath(s))
			}
			if (std && all) || (!std && any) {
				group = g
				break
			}
		}
		switch {
		case group == nil && std:
			// A new first group.
			at := sd.specStart(block.Specs[0])
			edits = append(edits, textEdit{at, at, "\t" + is.text() + "\n\n"})
		case group == nil:
			// A new last group.
			at := lineEnd(sd.src, sd.off(block.Specs[len(block.Specs)-1].End()))
			edits = append(edits, textEdit{at, at, "\n\n\t" + is.text()})
		default:
			var next ast.Spec
			for _, s := range group {
				if p := specPath(s); p > is.path || p == is.path && specName(s) > is.name {
					next = s
					break
				}
			}
			if next != nil {
				at := sd.specStart(next)
				edits = append(edits, textEdit{at, at, "\t" + is.text() + "\n"})
			} else {
				at := lineEnd(sd.src, sd.off(group[len(group)-1].End()))
				edits = append(edits, textEdit{at, at, "\n\t" + is.text()})
			}
		}
	}
	return edits
}

// dropImports returns the edits that delete every named import of the
// given paths (blank and dot imports stay).
func (sd *side) dropImports(paths map[string]bool) []textEdit {
	var edits []textEdit
	gone := func(s ast.Spec) bool {
		n := specName(s)
		return paths[specPath(s)] && n != "_" && n != "."
	}
	for _, g := range importDecls(sd.f) {
		n := 0
		for _, s := range g.Specs {
			if gone(s) {
				n++
			}
		}
		if n == 0 {
			continue
		}
		if n == len(g.Specs) {
			// The whole declaration, with the empty line before it
			// (as added), or else all the space before it.
			from := sd.off(g.Pos())
			if from >= 2 && string(sd.src[from-2:from]) == "\n\n" {
				from -= 2
			} else {
				for from > 0 && isSpace(sd.src[from-1]) {
					from--
				}
			}
			edits = append(edits, textEdit{from, sd.off(g.End()), ""})
			continue
		}
		groups := sd.groups(g)
		for gi, grp := range groups {
			lastKept := -1
			for i, s := range grp {
				if !gone(s) {
					lastKept = i
				}
			}
			switch {
			case lastKept < 0 && gi > 0:
				// The group, with the empty line before it.
				prev := groups[gi-1][len(groups[gi-1])-1]
				edits = append(edits, textEdit{lineEnd(sd.src, sd.off(prev.End())), lineEnd(sd.src, sd.off(grp[len(grp)-1].End())), ""})
				continue
			case lastKept < 0:
				// The first group, with the empty line after it.
				edits = append(edits, textEdit{sd.specStart(grp[0]), sd.specStart(groups[1][0]), ""})
				continue
			}
			for i, s := range grp[:lastKept] {
				if gone(s) {
					edits = append(edits, textEdit{sd.specStart(s), sd.specStart(grp[i+1]), ""})
				}
			}
			if lastKept < len(grp)-1 {
				edits = append(edits, textEdit{lineEnd(sd.src, sd.off(grp[lastKept].End())), lineEnd(sd.src, sd.off(grp[len(grp)-1].End())), ""})
			}
		}
	}
	return edits
}

// importChange is what a run does to a file's imports.
type importChange struct {
	add  []importSpec
	drop map[string]bool
}

// apply edits the imports of src, one addition at a time (each sees the
// groups the previous one made).
func (ic importChange) apply(name string, src []byte, m *posMap) ([]byte, error) {
	parse := func(src []byte) (*side, error) {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return nil, err
		}
		return &side{src: src, fset: fset, f: f}, nil
	}
	if len(ic.drop) > 0 {
		sd, err := parse(src)
		if err != nil {
			return nil, err
		}
		edits := sd.dropImports(ic.drop)
		in := src
		if src, err = applyEdits(src, edits); err != nil {
			return nil, err
		}
		m.add(in, edits)
	}
	add := ic.add
	for len(add) > 0 {
		sd, err := parse(src)
		if err != nil {
			return nil, err
		}
		var todo []importSpec
		for _, is := range add {
			if !sd.hasImport(is.path) {
				todo = append(todo, is)
			}
		}
		if len(todo) == 0 {
			break
		}
		edits := sd.addImports(todo)
		if len(edits) == 0 {
			break
		}
		in := src
		if src, err = applyEdits(src, edits[:1]); err != nil {
			return nil, err
		}
		m.add(in, edits[:1])
		if edits[0].text != "" && strings.HasPrefix(strings.TrimSpace(edits[0].text), "import") {
			break // a new declaration with all of them
		}
		add = todo[1:]
	}
	return src, nil
}

// hasImport reports whether the file imports path under a usable name.
func (sd *side) hasImport(path string) bool {
	for _, imp := range sd.f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == path {
			if imp.Name == nil || (imp.Name.Name != "_" && imp.Name.Name != ".") {
				return true
			}
		}
	}
	return false
}

func containsSpec(l []ast.Spec, s ast.Spec) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func prevSpec(g *ast.GenDecl, s ast.Spec) ast.Spec {
	for i, x := range g.Specs {
		if x == s && i > 0 {
			return g.Specs[i-1]
		}
	}
	return nil
}
