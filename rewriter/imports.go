package rewriter

import (
	"go/token"
	"strconv"
	"strings"

	"github.com/dave/dst"
)

// ensureImport adds an import of path named name to f unless it is there.
// It places the spec itself, sorted into the first group of non-standard
// imports (or as a new last group), so the restorer does not regroup the
// user's import block, and Remove can take it out again exactly.
func ensureImport(f *dst.File, path, name string) {
	var block *dst.GenDecl
	for _, d := range f.Decls {
		g, ok := d.(*dst.GenDecl)
		if !ok || g.Tok != token.IMPORT {
			continue
		}
		for _, s := range g.Specs {
			if importPath(s) == path {
				return
			}
		}
		if block == nil && !(len(g.Specs) == 1 && importPath(g.Specs[0]) == "C") {
			block = g
		}
	}
	spec := &dst.ImportSpec{Path: &dst.BasicLit{Kind: token.STRING, Value: strconv.Quote(path)}}
	if name != defaultImportName(path) {
		spec.Name = dst.NewIdent(name)
	}
	spec.Decs.Before, spec.Decs.After = dst.NewLine, dst.NewLine
	if block == nil {
		block = &dst.GenDecl{Tok: token.IMPORT, Specs: []dst.Spec{spec}}
		block.Decs.Before, block.Decs.After = dst.EmptyLine, dst.EmptyLine
		f.Decls = append([]dst.Decl{block}, f.Decls...)
		return
	}
	if !block.Lparen {
		block.Lparen, block.Rparen = true, true
	}
	// Groups are runs of specs separated by empty lines; use the first one
	// with a non-standard import.
	start, end := -1, -1
	for i := 0; i < len(block.Specs); {
		j := i + 1
		for j < len(block.Specs) && !boundary(block.Specs, j) {
			j++
		}
		for k := i; k < j; k++ {
			if strings.Contains(strings.SplitN(importPath(block.Specs[k]), "/", 2)[0], ".") {
				start, end = i, j
				break
			}
		}
		if start >= 0 {
			break
		}
		i = j
	}
	if start < 0 {
		spec.Decs.Before = dst.EmptyLine
		block.Specs = append(block.Specs, spec)
		return
	}
	insertSorted(block, start, end, spec)
}

// insertSorted inserts spec into the group block.Specs[start:end], in
// path order, keeping the blank lines around the group.
func insertSorted(block *dst.GenDecl, start, end int, spec *dst.ImportSpec) {
	path := importPath(spec)
	at := end
	for i := start; i < end; i++ {
		if importPath(block.Specs[i]) > path {
			at = i
			break
		}
	}
	switch {
	case at == start:
		// Take over the group's leading space.
		spec.Decs.Before = block.Specs[start].Decorations().Before
		block.Specs[start].Decorations().Before = dst.NewLine
	case at == end:
		// Take over the group's trailing space.
		spec.Decs.After = block.Specs[end-1].Decorations().After
		block.Specs[end-1].Decorations().After = dst.NewLine
	}
	block.Specs = append(block.Specs[:at], append([]dst.Spec{spec}, block.Specs[at:]...)...)
}

// ensureStdImport adds an import of the standard package path to f unless
// it is there, into the first group of standard imports (or as a new first
// group).
func ensureStdImport(f *dst.File, path string) {
	var block *dst.GenDecl
	for _, d := range f.Decls {
		g, ok := d.(*dst.GenDecl)
		if !ok || g.Tok != token.IMPORT {
			continue
		}
		for _, s := range g.Specs {
			if importPath(s) == path {
				if n := s.(*dst.ImportSpec).Name; n == nil || n.Name != "_" {
					return
				}
			}
		}
		if block == nil && !(len(g.Specs) == 1 && importPath(g.Specs[0]) == "C") {
			block = g
		}
	}
	spec := &dst.ImportSpec{Path: &dst.BasicLit{Kind: token.STRING, Value: strconv.Quote(path)}}
	spec.Decs.Before, spec.Decs.After = dst.NewLine, dst.NewLine
	if block == nil {
		block = &dst.GenDecl{Tok: token.IMPORT, Specs: []dst.Spec{spec}}
		block.Decs.Before, block.Decs.After = dst.EmptyLine, dst.EmptyLine
		at := 0
		for at < len(f.Decls) {
			if g, ok := f.Decls[at].(*dst.GenDecl); ok && g.Tok == token.IMPORT {
				at++ // after import "C"
				continue
			}
			break
		}
		f.Decls = append(f.Decls[:at], append([]dst.Decl{block}, f.Decls[at:]...)...)
		return
	}
	if !block.Lparen {
		block.Lparen, block.Rparen = true, true
	}
	for i := 0; i < len(block.Specs); {
		j := i + 1
		for j < len(block.Specs) && !boundary(block.Specs, j) {
			j++
		}
		std := true
		for k := i; k < j; k++ {
			std = std && !strings.Contains(strings.SplitN(importPath(block.Specs[k]), "/", 2)[0], ".")
		}
		if std {
			insertSorted(block, i, j, spec)
			return
		}
		i = j
	}
	// No standard group: a new one comes first.
	first := block.Specs[0]
	spec.Decs.Before = first.Decorations().Before
	first.Decorations().Before = dst.EmptyLine
	block.Specs = append([]dst.Spec{spec}, block.Specs...)
}

// dropImport removes the import of path from f, keeping the group
// structure of the remaining specs.
func dropImport(f *dst.File, path string) {
	for di := 0; di < len(f.Decls); di++ {
		g, ok := f.Decls[di].(*dst.GenDecl)
		if !ok || g.Tok != token.IMPORT {
			continue
		}
		for i, s := range g.Specs {
			if importPath(s) != path {
				continue
			}
			// Keep a group boundary that s sat on between its neighbours.
			wasBoundary := boundary(g.Specs, i) || boundary(g.Specs, i+1)
			if i == 0 && len(g.Specs) > 1 {
				g.Specs[1].Decorations().Before = s.Decorations().Before
			}
			if i > 0 && i+1 < len(g.Specs) && wasBoundary &&
				g.Specs[i-1].Decorations().After != dst.EmptyLine && g.Specs[i+1].Decorations().Before != dst.EmptyLine {
				g.Specs[i+1].Decorations().Before = dst.EmptyLine
			}
			if i > 0 && i+1 == len(g.Specs) {
				g.Specs[i-1].Decorations().After = dst.NewLine
			}
			g.Specs = append(g.Specs[:i], g.Specs[i+1:]...)
			switch len(g.Specs) {
			case 0:
				f.Decls = append(f.Decls[:di], f.Decls[di+1:]...)
			case 1:
				g.Lparen, g.Rparen = false, false
				g.Specs[0].Decorations().Before = dst.NewLine
			}
			return
		}
	}
}

// boundary reports whether an empty line separates specs[i-1] and specs[i];
// the ends of the list are boundaries.
func boundary(specs []dst.Spec, i int) bool {
	if i <= 0 || i >= len(specs) {
		return true
	}
	return specs[i].Decorations().Before == dst.EmptyLine || specs[i-1].Decorations().After == dst.EmptyLine
}

func importPath(s dst.Spec) string {
	p, _ := strconv.Unquote(s.(*dst.ImportSpec).Path.Value)
	return p
}

// usesPath reports whether any identifier of f refers to package path.
func usesPath(f *dst.File, path string) bool {
	used := false
	dst.Inspect(f, func(n dst.Node) bool {
		if id, ok := n.(*dst.Ident); ok && id.Path == path {
			used = true
		}
		return !used
	})
	return used
}
