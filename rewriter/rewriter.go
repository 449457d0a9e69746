package rewriter

import (
	"fmt"
	"go/token"
	"sort"

	"github.com/traceinject/traceinject/internal/policy"
)

// runMode selects what runPipeline computes.
type runMode int

const (
	// modeInstrument adds missing and updates stale instrumentation.
	modeInstrument runMode = iota
	// modeRemove removes all injected code; directives stay.
	modeRemove
)

// config says what to load and how.
type config struct {
	Dir      string   // directory go list runs in; "" = current
	Env      []string // environment for go list; nil = os.Environ()
	Patterns []string // go list patterns; none = "."
	Mode     runMode
	// Overlay replaces the contents of files (absolute paths) while loading.
	Overlay map[string][]byte
	// Verify type-checks every changed package again, in memory, with the
	// new contents, and turns any error into a diagnostic, so that a
	// rewrite that would not build is never written.
	Verify bool
	// Require is the tracing policy -check -require reports (see
	// internal/policy); it makes the run type-check every listed package.
	Require policy.Kinds
	// Annotate makes runPipeline compute only the //trace:span lines the policy
	// asks for (-annotate): Changes insert them and nothing else.
	Annotate bool
	// Setup checks that the main module can build the runtime packages
	// the changed files import (see setupDiagnostics); -d, -l and the
	// write set it, -check and -remove do not need it.
	Setup bool

	// cache is the directory of the result cache (cache.go); "" = none.
	cache string
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

// runResult is what a run would do.
type runResult struct {
	Changes     []FileChange // sorted by path
	Diagnostics []Diagnostic // sorted by position
	// Findings are what the policy (config.Require) reports, sorted by
	// position.
	Findings []policy.Finding

	roots      []string // directories of the main modules: Write writes nowhere else
	journalDir string   // where Write keeps its journal
}

// HasKind reports whether any diagnostic is of kind k.
func (r *runResult) HasKind(k Kind) bool {
	for _, d := range r.Diagnostics {
		if d.Kind == k {
			return true
		}
	}
	return false
}

func (r *runResult) sort() {
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
