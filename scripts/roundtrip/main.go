// Command roundtrip is the helper of scripts/roundtrip.sh, which runs
// traceinject over copies of real packages from the module cache:
//
//	roundtrip annotate DIR...     put //trace:span on every function and method with a body
//	roundtrip drop DIR... < ERRS  take the directive off every function traceinject refused
//	roundtrip same A B            compare two trees of Go files: equal, or different only by
//	                              added context parameters and the arguments passed to them
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/traceinject/traceinject/internal/recv"
)

const directive = "//trace:span"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: roundtrip annotate|drop|same ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "annotate":
		err = annotate(os.Args[2:])
	case "drop":
		err = drop(os.Args[2:])
	case "same":
		err = same(os.Args[2], os.Args[3])
	default:
		err = fmt.Errorf("unknown command %s", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "roundtrip:", err)
		os.Exit(1)
	}
}

// sources are the non-test, non-generated Go files of dirs.
func sources(dirs []string) ([]string, error) {
	var out []string
	for _, d := range dirs {
		names, err := filepath.Glob(filepath.Join(d, "*.go"))
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if strings.HasSuffix(n, "_test.go") {
				continue
			}
			b, err := os.ReadFile(n)
			if err != nil {
				return nil, err
			}
			if regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`).Match(b) {
				continue
			}
			out = append(out, n)
		}
	}
	return out, nil
}

func annotate(dirs []string) error {
	files, err := sources(dirs)
	if err != nil {
		return err
	}
	total := 0
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			continue // build-tagged for another platform and broken here, say
		}
		var at []int
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			if fd.Doc != nil && strings.Contains(fd.Doc.Text(), "trace:") {
				continue
			}
			off := fset.Position(fd.Pos()).Offset
			at = append(at, bytes.LastIndexByte(src[:off], '\n')+1)
		}
		if len(at) == 0 {
			continue
		}
		var b bytes.Buffer
		prev := 0
		for _, a := range at {
			b.Write(src[prev:a])
			b.WriteString(directive + "\n")
			prev = a
		}
		b.Write(src[prev:])
		if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
			return err
		}
		total += len(at)
	}
	fmt.Println(total)
	return nil
}

var (
	posRe   = regexp.MustCompile(`^(\S+?\.go):(\d+):(\d+): (.*)$`)
	refusal = regexp.MustCompile(`^cannot add a context\.Context parameter to (\S+): (.*)$`)
)

// reasons, most specific first: how refusals are counted.
var reasons = []string{
	"must keep its signature to satisfy",
	"must keep its signature for",
	"must keep its signature",
	"used as a value",
	"used as a method value",
	"used as a method expression",
	"which this run did not load",
	"called from a generated file",
	"results of another call",
	"referenced from assembly",
	"exported to C",
	"//go:linkname",
}

// drop reads traceinject's errors and removes the directive of every
// function they concern; it prints one line per error: its reason.
func drop(dirs []string) error {
	files, err := sources(dirs)
	if err != nil {
		return err
	}
	type fn struct {
		file     string
		line     int // of the directive
		from, to int
	}
	byName := map[string][]fn{}
	byFile := map[string][]fn{}
	for _, name := range files {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		abs, _ := filepath.Abs(name)
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Doc == nil {
				continue
			}
			for _, c := range fd.Doc.List {
				if c.Text == directive {
					x := fn{abs, fset.Position(c.Pos()).Line, fset.Position(fd.Doc.Pos()).Line, fset.Position(fd.End()).Line}
					display := f.Name.Name + "." + fd.Name.Name
					if fd.Recv != nil && len(fd.Recv.List) == 1 {
						display = f.Name.Name + "." + recv.TypeName(fd.Recv.List[0].Type) + "." + fd.Name.Name
					}
					byName[display] = append(byName[display], x)
					byFile[abs] = append(byFile[abs], x)
				}
			}
		}
	}
	remove := map[string]map[int]bool{}
	mark := func(x fn) {
		if remove[x.file] == nil {
			remove[x.file] = map[int]bool{}
		}
		remove[x.file][x.line] = true
	}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := posRe.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		msg := m[4]
		if strings.Contains(msg, "has no context; passing context.TODO() to") {
			continue // a warning
		}
		reason := "other: " + msg
		if r := refusal.FindStringSubmatch(msg); r != nil {
			reason = "other refusal: " + r[2]
			for _, s := range reasons {
				if strings.Contains(r[2], s) {
					reason = s
					break
				}
			}
			for _, x := range byName[r[1]] {
				mark(x)
			}
			fmt.Println(reason)
			continue
		}
		// Any other error: the function around (or below) it.
		abs, _ := filepath.Abs(m[1])
		line, _ := strconv.Atoi(m[2])
		for _, x := range byFile[abs] {
			if x.line <= line && line <= x.to || x.from <= line && line <= x.to {
				mark(x)
			}
		}
		fmt.Println(reason)
	}
	for file, lines := range remove {
		src, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		ls := strings.SplitAfter(string(src), "\n")
		var b strings.Builder
		for i, l := range ls {
			if lines[i+1] && strings.TrimSpace(l) == directive {
				continue
			}
			b.WriteString(l)
		}
		if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	return sc.Err()
}

// same compares the Go files of two trees; a file may differ only by
// tokens a context parameter and its arguments add.
func same(a, b string) error {
	var names []string
	filepath.Walk(a, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && strings.HasSuffix(p, ".go") {
			rel, _ := filepath.Rel(a, p)
			names = append(names, rel)
		}
		return nil
	})
	sort.Strings(names)
	exact, ctx := 0, 0
	for _, rel := range names {
		x, err1 := os.ReadFile(filepath.Join(a, rel))
		y, err2 := os.ReadFile(filepath.Join(b, rel))
		if err1 != nil || err2 != nil {
			return fmt.Errorf("%s: %v %v", rel, err1, err2)
		}
		if bytes.Equal(x, y) {
			exact++
			continue
		}
		if extra, ok := onlyAdded(tokens(x), tokens(y)); !ok {
			return fmt.Errorf("%s differs beyond added context parameters (%s)", rel, extra)
		}
		ctx++
	}
	fmt.Printf("%d files identical, %d differ only by added context parameters and arguments\n", exact, ctx)
	return nil
}

func tokens(src []byte) []string {
	var s scanner.Scanner
	fset := token.NewFileSet()
	s.Init(fset.AddFile("", -1, len(src)), src, nil, 0)
	var out []string
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		if tok == token.SEMICOLON && lit == "\n" {
			continue
		}
		if lit != "" {
			out = append(out, lit)
		} else {
			out = append(out, tok.String())
		}
	}
}

// onlyAdded reports whether y is x with tokens inserted, each one that a
// context parameter, its argument or its import brings.
func onlyAdded(x, y []string) (string, bool) {
	allowed := regexp.MustCompile(`^(ctx|traceCtx\d*|context|stdcontext|"context"|Context|TODO|Request|\.|,|\(|\)|import|[A-Za-z_][A-Za-z0-9_]*)$`)
	i := 0
	for _, t := range y {
		if i < len(x) && x[i] == t {
			i++
			continue
		}
		if !allowed.MatchString(t) {
			return t, false
		}
	}
	if i != len(x) {
		return "tokens missing", false
	}
	return "", true
}
