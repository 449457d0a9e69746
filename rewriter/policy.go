package rewriter

import (
	"go/ast"
	"go/token"
	"path/filepath"
	"sort"

	"golang.org/x/tools/go/packages"

	"github.com/traceinject/traceinject/internal/policy"
)

// policy reports whether the run applies the tracing policy, which needs
// the types of every listed package, not only of those with directives.
func (cfg config) policy() bool { return cfg.Require.Any() }

// applyPolicy checks the policy on the packages of the run's typed load
// (every listed package of the main module, see load) and returns those
// the rewrite goes on with: the ones whose files mention a directive or a
// marker, as without a policy. With Annotate, it records the insertions of
// //trace:span as the run's changes.
func applyPolicy(cfg config, pkgs []*packages.Package, res *runResult) []*packages.Package {
	var in []*policy.Package
	var rest []*packages.Package
	needles := directiveNeedles(cfg)
	for _, p := range pkgs {
		if len(p.Errors) > 0 {
			if cfg.Annotate {
				res.Diagnostics = append(res.Diagnostics, packageErrors(p)...)
			}
			rest = append(rest, p) // the rewrite reports them
			continue
		}
		in = append(in, &policy.Package{Fset: p.Fset, Files: ownSyntax(p), Types: p.Types, Info: p.TypesInfo,
			ReadFile: func(name string) ([]byte, error) { return readFile(name, cfg.Overlay) }})
		if mentions(p.GoFiles, cfg.Overlay, needles) {
			rest = append(rest, p)
		}
	}
	c := &policy.Checker{Kinds: cfg.Require}
	res.Findings = c.Check(in)
	if cfg.Annotate {
		annotate(cfg, res)
	}
	return rest
}

// ownSyntax is p's syntax without cgo-generated files.
func ownSyntax(p *packages.Package) []*ast.File {
	names := goFiles(p)
	var fs []*ast.File
	for _, f := range p.Syntax {
		if _, ok := names[f]; ok {
			fs = append(fs, f)
		}
	}
	return fs
}

// annotate splices the findings' //trace:span lines into the files'
// original bytes.
func annotate(cfg config, res *runResult) {
	byFile := map[string][]*policy.Insertion{}
	for _, f := range res.Findings {
		if f.Insert != nil {
			byFile[f.Pos.Filename] = append(byFile[f.Pos.Filename], f.Insert)
		}
	}
	for name, ins := range byFile {
		src, err := readFile(name, cfg.Overlay)
		if err != nil {
			res.Diagnostics = append(res.Diagnostics, errorf(token.Position{Filename: name}, "%v", err))
			continue
		}
		sort.SliceStable(ins, func(i, j int) bool { return ins[i].Offset < ins[j].Offset })
		var out []byte
		last, prev := 0, -1
		for _, in := range ins {
			if in.Offset == prev || in.Offset < last || in.Offset > len(src) {
				continue // two findings for one function
			}
			prev = in.Offset
			out = append(out, src[last:in.Offset]...)
			out = append(out, in.Text...)
			last = in.Offset
		}
		out = append(out, src[last:]...)
		res.Changes = append(res.Changes, FileChange{Path: filepath.Clean(name), Old: src, New: out})
	}
	if len(res.Changes) > 0 {
		dir, err := journalDir(cfg)
		if err != nil {
			res.Diagnostics = append(res.Diagnostics, errorf(token.Position{}, "%v", err))
		}
		res.journalDir = dir
	}
}
