// Package analyzer is traceinject's tracing policy as a
// golang.org/x/tools/go/analysis analyzer: the diagnostics of
// traceinject -check -require=KINDS, with two kinds of suggested fix: one
// inserts the //trace:span directive the policy asks for, the other makes
// the edits traceinject makes to instrument the annotated functions of a
// file. It runs under go vet through cmd/traceinject-vet
// (go vet -vettool=$(which traceinject-vet)), and in golangci-lint v2 as a
// module plugin (package analyzer/golangci).
//
// An analyzer sees one package at a time, so it differs from the command
// where the command sees the whole module:
//
//   - a Gin handler declared in the package that registers it is reported
//     at its declaration, with a fix; one declared in another package of
//     the module is reported at the registration (no fix: the edit belongs
//     to another package), and only when that package's analysis recorded
//     no directive for it (a fact);
//   - an annotated function whose instrumentation is missing or stale is
//     reported as -check reports it, with a fix computed by the rewriter
//     itself (rewriter.InstrumentChecked) from the package the driver
//     type-checked: the same bytes a run of traceinject writes into that
//     file. An annotated function without a context gets a context
//     parameter and its callers an argument: an unexported one that no
//     test names has all its calls in the package, and the fix makes
//     those edits too; an exported one (callers in other packages too) or
//     one a test calls, and every file that refers to one, is reported
//     without a fix and left to the command, which plans such edits across
//     the module and type-checks the result before writing.
package analyzer

import (
	"go/ast"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/traceinject/traceinject/internal/policy"
)

// Analyzer checks every kind (gin, grpc, ctx) unless -require says
// otherwise.
var Analyzer = New(policy.Kinds{Gin: true, GRPC: true, Ctx: true})

// New returns an analyzer for the given kinds; its -require flag changes
// them.
func New(kinds policy.Kinds) *analysis.Analyzer {
	r := &runner{kinds: kinds}
	a := &analysis.Analyzer{
		Name:      "traceinject",
		Doc:       "report what the tracing policy requires and lacks //trace:span or //trace:ignore\n\nGin route handlers (gin), gRPC clients and servers created without their traced constructors and out-of-date _trace.pb.go files (grpc), exported functions with a context.Context parameter (ctx), //trace:ignore without a reason, and annotated functions whose instrumentation is missing or stale. Fixes insert //trace:span, or make the edits traceinject makes to instrument a file (an exported function that gets a context parameter, or one a test calls, is left to traceinject).",
		URL:       "https://github.com/traceinject/traceinject#the-tracing-policy",
		Run:       r.run,
		FactTypes: []analysis.Fact{new(Traced)},
	}
	a.Flags.Var(r, "require", "comma list of gin, grpc, ctx")
	return a
}

// Traced is the fact that a function carries //trace:span or
// //trace:ignore.
type Traced struct{}

func (*Traced) AFact()         {}
func (*Traced) String() string { return "traced" }

type runner struct{ kinds policy.Kinds }

func (r *runner) String() string { return r.kinds.String() }
func (r *runner) Set(s string) error {
	k, err := policy.ParseKinds(s)
	if err == nil {
		r.kinds = k
	}
	return err
}

func (r *runner) run(pass *analysis.Pass) (any, error) {
	// Facts first: packages that import this one read them.
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			if fn, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func); ok && hasDirective(fd.Doc) {
				pass.ExportObjectFact(fn, new(Traced))
			}
		}
	}
	if err := reportInstrumentation(pass); err != nil {
		return nil, err
	}
	module := ""
	if pass.Module != nil {
		module = pass.Module.Path
	}
	c := &policy.Checker{
		Kinds:       r.kinds,
		ReportAtUse: true,
		External: func(fn *types.Func) (covered, known bool) {
			if fn.Pkg() == nil || module == "" || !within(fn.Pkg().Path(), module) {
				return false, false
			}
			return pass.ImportObjectFact(fn, new(Traced)), true
		},
	}
	// The command loads no test files: neither does the policy here, so
	// that go vet, which analyzes a package with its tests, reports (and
	// fixes) nothing in them.
	var files []*ast.File
	for _, f := range pass.Files {
		if !strings.HasSuffix(pass.Fset.File(f.Pos()).Name(), "_test.go") {
			files = append(files, f)
		}
	}
	p := &policy.Package{Fset: pass.Fset, Files: files, Types: pass.Pkg, Info: pass.TypesInfo, ReadFile: pass.ReadFile}
	for _, f := range c.Check([]*policy.Package{p}) {
		d := analysis.Diagnostic{Pos: f.At, Category: f.Kind, Message: f.Message}
		if f.Insert != nil {
			if tf := pass.Fset.File(f.At); tf != nil && f.Insert.Offset <= tf.Size() {
				at := tf.Pos(f.Insert.Offset)
				d.SuggestedFixes = []analysis.SuggestedFix{{
					Message:   "Add //trace:span (then run traceinject to instrument it)",
					TextEdits: []analysis.TextEdit{{Pos: at, End: at, NewText: []byte(f.Insert.Text)}},
				}}
			}
		}
		pass.Report(d)
	}
	return nil, nil
}

func within(path, module string) bool {
	return path == module || strings.HasPrefix(path, module+"/")
}

func hasDirective(doc *ast.CommentGroup) bool {
	if doc == nil {
		return false
	}
	for _, c := range doc.List {
		if isWord(c.Text, "//trace:span") || isWord(c.Text, "//trace:ignore") {
			return true
		}
	}
	return false
}

func isWord(text, w string) bool {
	rest, ok := strings.CutPrefix(text, w)
	return ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t')
}
