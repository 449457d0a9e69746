// Package rewriter is the engine of traceinject: it loads Go packages, finds
// //trace:span and //trace:ignore directives, plans the instrumentation each
// annotated function needs, and prints the rewritten files. Injected code sits
// between //trace:begin and //trace:end markers so that a run is idempotent,
// edited directives update in place, and Remove restores the source exactly.
//
// Every run works in three steps: strip the injected code from the current
// files (in memory), type-check the stripped package, and instrument it
// afresh. Comparing the result with the current files yields the changes,
// and -check's "missing" and "stale" reports.
//
// # Markers
//
// The injected statements open the function body, between two comments:
//
//	//trace:begin v=N [params="..."] [results="..."] [body="oneline"]
//	ctx, span := runtime.Start(ctx, "p.F")
//	...
//	defer span.End(&err)
//	//trace:end
//
// params and results hold, as Go strings, the original parameter and result
// lists when the tool had to name them (an unnamed or _ context parameter,
// an unnamed error result); body="oneline" records a body written on one
// line. Remove puts all of these back.
//
// Context threading in the rest of the body is recognized by shape: a call
// runtime.WithSpan(X, span), where span is the function's injected span
// variable (a name no code could use before instrumentation), was X; and
// http.NewRequestWithContext(runtime.Background(span), args...) was
// http.NewRequest(args...). Shapes written by earlier versions are
// recognized too (see thread.go).
//
// Only a package's non-test Go files are instrumented; generated files
// (// Code generated ... DO NOT EDIT.) are never changed.
//
// # Functions without a context
//
// An annotated top-level function or method with neither a context.Context
// nor a *gin.Context parameter gets a first parameter ctx context.Context
// (traceCtx, traceCtx1, ... when an identifier of the function already
// spells ctx, a package-level ctx it uses included), and is then
// instrumented as a context function. Every call of it in the loaded
// packages, and in the test files of the packages that could call it,
// passes the caller's nearest context, looked up in scope at the call. From
// the innermost scope out, the first scope that offers one wins with, in
// order: a local context.Context derived from a parameter (a context with a
// timeout or a value added; the latest declared); a context.Context
// parameter (in an annotated function its context parameter comes first,
// under the name the tool gives it: the variable runtime.Start reassigns,
// which carries the span); C.Request.Context() of a *gin.Context parameter
// (in an annotated Gin function the request carries the span by then);
// X.Context() of a parameter with such a method (an *http.Request, a
// *testing.T, a gRPC stream). Failing those, the nearest local context not
// derived from a parameter (context.Background() and the like), and failing
// that context.TODO(), with a warning naming the caller and the callee at
// the call's position (the exit status stays 0). Named results and
// package-level variables are never passed.
//
// The decision is made for all packages before any file is printed, so a
// chain of such functions is threaded end to end in one run whatever the
// order of files and packages. Exported functions make the run load every
// listed package that depends on theirs, with types, and the test variants
// of those whose tests import them; otherwise the byte scan keeps
// type-checking to packages with directives.
//
// The run is refused (errors, nothing written) when some use cannot change
// with the signature: the function used as a value, as a method value or a
// method expression; a method an interface needs (any named interface of
// the loaded packages and the packages they import, plus well-known ones
// such as fmt.Stringer, error, io.Reader/Writer/Closer, sort.Interface,
// http.Handler and the encoding marshalers, by name and signature),
// directly or through a type that embeds the receiver; an exported function
// whose package is imported by packages of the main module this run did
// not load; a reference from assembly, //export (cgo) or //go:linkname; a
// call in a generated file; a call f(g()) spreading another call's results;
// main and init. Interfaces that are only spelled as literal types
// (x.(interface{ M() })) are not seen: a conversion the type checker sees is
// caught by the verification below, a dynamic assertion is not.
//
// Remove keeps added parameters and the arguments passed to them: once
// added they are ordinary code (the parameter of a function whose unnamed
// context parameter the tool named, when its body passes it on, keeps its
// name for the same reason). A second run sees a context function.
//
// With Verify, every changed package is type-checked again in memory, all
// together so that packages are checked against each other's new source
// (their tests too when a test file changed), and nothing is written
// unless they all type-check.
//
// # Loads
//
// One go list finds the packages; one typed load checks those with
// directives from source, their dependencies coming from export data.
// Stripped and rewritten packages are then checked in memory with go/types
// against that load's types (see typeGraph), since a load with an overlay
// would check every dependency, the standard library included, from
// source. Overlay loads remain where the first load lacks the packages:
// callers of functions that get a context parameter, test variants, cgo.
package rewriter

import (
	"fmt"
	"go/token"
	"sort"

	"github.com/traceinject/traceinject/internal/policy"
)

// Mode selects what Run computes.
type Mode int

const (
	// Instrument adds missing and updates stale instrumentation.
	Instrument Mode = iota
	// Remove removes all injected code; directives stay.
	Remove
)

// Config says what to load and how.
type Config struct {
	Dir      string   // directory go list runs in; "" = current
	Env      []string // environment for go list; nil = os.Environ()
	Patterns []string // go list patterns; none = "."
	Mode     Mode
	// Overlay replaces the contents of files (absolute paths) while loading.
	Overlay map[string][]byte
	// Verify type-checks every changed package again, in memory, with the
	// new contents, and turns any error into a diagnostic, so that a
	// rewrite that would not build is never written.
	Verify bool
	// Require is the tracing policy -check -require reports (see
	// internal/policy); it makes the run type-check every listed package.
	Require policy.Kinds
	// Annotate makes Run compute only the //trace:span lines the policy
	// asks for (-annotate): Changes insert them and nothing else.
	Annotate bool
	// Setup checks that the main module can build the runtime packages
	// the changed files import (see setupDiagnostics); -d, -l and the
	// write set it, -check and -remove do not need it.
	Setup bool
}

// Kind classifies a diagnostic.
type Kind int

const (
	// Error is a load, type or directive error, or a refusal: nothing may
	// be written.
	Error Kind = iota
	// Misplaced is a directive that sits where it does nothing.
	Misplaced
	// Stale is an annotated function whose instrumentation is missing or
	// out of date, or injected code left without a directive.
	Stale
	// Warning is informational.
	Warning
)

// Diagnostic is one message about a user file.
type Diagnostic struct {
	Pos  token.Position
	Kind Kind
	Msg  string
}

func (d Diagnostic) String() string {
	if d.Pos.Filename == "" {
		return d.Msg
	}
	return fmt.Sprintf("%s: %s", d.Pos, d.Msg)
}

// FileChange is the new content of one file.
type FileChange struct {
	Path     string // absolute
	Old, New []byte
}

// Result is what a run would do.
type Result struct {
	Changes     []FileChange // sorted by path
	Diagnostics []Diagnostic // sorted by position
	// Findings are what the policy (Config.Require) reports, sorted by
	// position.
	Findings []policy.Finding

	roots      []string // directories of the main modules: Write writes nowhere else
	journalDir string   // where Write keeps its journal
}

// HasKind reports whether any diagnostic is of kind k.
func (r *Result) HasKind(k Kind) bool {
	for _, d := range r.Diagnostics {
		if d.Kind == k {
			return true
		}
	}
	return false
}

func (r *Result) sort() {
	sort.Slice(r.Changes, func(i, j int) bool { return r.Changes[i].Path < r.Changes[j].Path })
	sort.SliceStable(r.Diagnostics, func(i, j int) bool {
		a, b := r.Diagnostics[i].Pos, r.Diagnostics[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}
